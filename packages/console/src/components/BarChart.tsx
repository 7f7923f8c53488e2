// A bar chart on ECharts' tree-shaken core (categories with one value each, optionally coloured),
// for survey results (NPS, CSAT, choices), live poll results and the flash-sale monitor.
import { BarChart as EBar } from 'echarts/charts';
import { GridComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

echarts.use([EBar, GridComponent, TooltipComponent, CanvasRenderer]);

export type Bar = { name: string; value: number; color?: string };

export default function BarChart({ bars, height = 220, horizontal = false, testId = 'bar-chart' }: { bars: Bar[]; height?: number; horizontal?: boolean; testId?: string }) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  useEffect(() => {
    if (!el.current) return;
    const c = echarts.init(el.current);
    chart.current = c;
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(el.current);
    return () => {
      ro.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);
  useEffect(() => {
    const cat = { type: 'category' as const, data: bars.map((b) => b.name) };
    const val = { type: 'value' as const, minInterval: 1 };
    chart.current?.setOption({
      tooltip: { trigger: 'axis' },
      grid: { left: horizontal ? 120 : 40, right: 24, top: 16, bottom: 28 },
      xAxis: horizontal ? val : cat,
      yAxis: horizontal ? { ...cat, inverse: true } : val,
      series: [{ type: 'bar', data: bars.map((b) => ({ value: b.value, itemStyle: b.color ? { color: b.color } : undefined })), label: { show: true, position: horizontal ? 'right' : 'top' } }],
    });
  }, [bars, horizontal]);
  return <div ref={el} style={{ height }} data-testid={testId} />;
}
