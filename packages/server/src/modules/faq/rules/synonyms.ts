// Words customers and FAQ writers use for the same thing in shop customer service, folded to one
// term before indexing and searching (so 邮费 finds 运费, parcel finds package). Keys are terms as
// rules/tokens.ts makes them (CJK bigrams, stemmed English words); values the term they become.
// Only unambiguous equivalences belong here: a wrong one makes two questions look alike.
const GROUPS: Record<string, string[]> = {
  // zh-CN
  运费: ['邮费', '运费'],
  包邮: ['包邮', '免邮', '免运'],
  退款: ['退款', '退钱'],
  发票: ['发票', '开票'],
  人工: ['人工', '真人'],
  注销: ['注销', '删掉', '删除'],
  门槛: ['门槛', '条件'],
  签到: ['签到', '打卡'],
  // en (stems)
  package: ['package', 'parcel', 'shipment'],
  ship: ['ship', 'delivery', 'deliver', 'dispatch'],
  expir: ['expir', 'expiry', 'expiration'],
  receiv: ['receiv', 'arriv'],
  refund: ['refund', 'reimburs'],
  human: ['human', 'person', 'agent', 'representativ', 'staff'],
  coupon: ['coupon', 'voucher', 'promo'],
  cancel: ['cancel', 'cancellation'],
  earn: ['earn', 'collect', 'gain'],
};

export const SYNONYMS: ReadonlyMap<string, string> = new Map(Object.entries(GROUPS).flatMap(([to, from]) => from.map((f) => [f, to] as const)));

export const canonical = (term: string): string => SYNONYMS.get(term) ?? term;
