// RFM classes, pure. Each buyer is high or low on recency (R: a recent purchase is high), frequency
// (F) and monetary value (M); the eight combinations are the classic classes of the RFM model.

export const RFM_CLASSES = {
  important_value: { r: true, f: true, m: true, zh: '重要价值客户', en: 'Important value' },
  important_develop: { r: true, f: false, m: true, zh: '重要发展客户', en: 'Important to develop' },
  important_keep: { r: false, f: true, m: true, zh: '重要保持客户', en: 'Important to keep' },
  important_retain: { r: false, f: false, m: true, zh: '重要挽留客户', en: 'Important to win back' },
  general_value: { r: true, f: true, m: false, zh: '一般价值客户', en: 'General value' },
  general_develop: { r: true, f: false, m: false, zh: '一般发展客户', en: 'General to develop' },
  general_keep: { r: false, f: true, m: false, zh: '一般保持客户', en: 'General to keep' },
  general_retain: { r: false, f: false, m: false, zh: '一般挽留客户', en: 'General to win back' },
} as const;

export type RfmClass = keyof typeof RFM_CLASSES;
export const RFM_CLASS_NAMES = Object.keys(RFM_CLASSES) as RfmClass[];

export function rfmClass(high: { r: boolean; f: boolean; m: boolean }): RfmClass {
  return RFM_CLASS_NAMES.find((k) => RFM_CLASSES[k].r === high.r && RFM_CLASSES[k].f === high.f && RFM_CLASSES[k].m === high.m)!;
}

/** The SQL CASE that names the class from three booleans (kept beside the table it mirrors). */
export const rfmClassCase = (r: string, f: string, m: string) =>
  `case ${RFM_CLASS_NAMES.map((k) => `when ${RFM_CLASSES[k].r ? '' : 'not '}${r} and ${RFM_CLASSES[k].f ? '' : 'not '}${f} and ${RFM_CLASSES[k].m ? '' : 'not '}${m} then '${k}'`).join(' ')} end`;
