// A realistic FAQ of an online shop with points, check-in and coupons, written by hand for the
// retrieval test (faq.test.ts), the bench (bench/scenarios/faq.ts) and the demo. 22 entries in
// zh-CN, 18 in English. The paraphrases the test asks (paraphrases.ts) were written separately
// and are not copies of these questions or variants.
export type SeedEntry = { external_key: string; category: string; locale: 'zh-CN' | 'en'; question: string; variants: string[]; answer: string };

const zh = (external_key: string, category: string, question: string, variants: string[], answer: string): SeedEntry => ({ external_key, category, locale: 'zh-CN', question, variants, answer });
const en = (external_key: string, category: string, question: string, variants: string[], answer: string): SeedEntry => ({ external_key, category, locale: 'en', question, variants, answer });

export const SHOP_FAQ: SeedEntry[] = [
  // ---- zh-CN ----------------------------------------------------------------------------------
  zh('z-refund-apply', '退款', '如何申请退款？', ['怎么退款', '退款流程是什么', '我要退货退款'], '在“我的订单”中找到对应订单，点击“申请退款”，选择原因并提交。商家会在 48 小时内审核，通过后款项原路退回。'),
  zh('z-refund-time', '退款', '退款多久能到账？', ['退款什么时候到账', '钱退到哪里了', '退款进度怎么查', '退款要等几天'], '审核通过后，微信和支付宝 1–3 个工作日到账，银行卡 3–7 个工作日到账。可在订单详情的“退款进度”中查看。'),
  zh('z-return-exchange', '退款', '收到的商品有质量问题怎么办？', ['商品坏了', '收到破损商品', '可以换货吗', '尺码不合适怎么换'], '签收后 7 天内可申请退换货，质量问题的来回运费由我们承担；申请时请上传商品照片。'),
  zh('z-ship-time', '发货', '下单后多久发货？', ['什么时候发货', '几天能发货', '现货多久发出'], '现货商品在付款后 48 小时内发货，预售商品以商品页标注的发货时间为准。'),
  zh('z-ship-fee', '发货', '运费怎么算？', ['包邮吗', '满多少包邮', '邮费多少钱'], '订单满 99 元包邮（偏远地区除外），未满 99 元收取 8 元运费。'),
  zh('z-track', '发货', '怎么查看物流信息？', ['快递到哪了', '查询物流单号', '包裹跟踪'], '在“我的订单”→订单详情中点击“查看物流”，可以看到快递公司、运单号和实时轨迹。'),
  zh('z-address', '订单', '下单后可以修改收货地址吗？', ['地址填错了怎么办', '更改配送地址'], '订单发货前可以在订单详情中修改地址；已发货的订单请联系快递或客服协助改派。'),
  zh('z-cancel', '订单', '怎么取消订单？', ['不想要了能取消吗', '撤销已付款的订单'], '未发货的订单可在订单详情点击“取消订单”，款项原路退回；已发货的订单请在收货后申请退货。'),
  zh('z-points-earn', '积分', '怎样获得积分？', ['积分怎么赚', '积分从哪里来', '赚积分的方法'], '每日签到、购物（每消费 1 元得 1 积分）、评价晒单和完成任务都能获得积分。'),
  zh('z-points-expire', '积分', '积分会过期吗？', ['积分有效期多久', '积分什么时候清零'], '积分自获得之日起 12 个月内有效，到期未使用的积分会在次月 1 日自动清零。'),
  zh('z-points-use', '积分', '积分可以用来做什么？', ['积分怎么兑换', '积分商城在哪', '积分可以抵扣现金吗'], '积分可以在“积分商城”兑换优惠券和礼品，也可以在下单时抵扣现金（100 积分抵 1 元）。'),
  zh('z-checkin', '签到', '每日签到有什么奖励？', ['签到规则', '连续签到奖励', '签到送什么'], '每天签到得 5 积分，连续签到 7 天额外得 50 积分，连续 30 天可获得专属勋章。'),
  zh('z-makeup', '签到', '忘记签到了可以补签吗？', ['断签了怎么办', '补签卡怎么用', '漏签能补吗'], '可以使用补签卡补签最近 7 天内漏掉的日期；补签卡可在积分商城兑换，或完成任务获得。'),
  zh('z-coupon-use', '优惠券', '优惠券怎么使用？', ['下单时怎么用券', '如何使用折扣券'], '结算页面会自动选择可用的最优优惠券，你也可以点击“优惠券”手动切换。'),
  zh('z-coupon-fail', '优惠券', '为什么优惠券用不了？', ['优惠券不能用', '券显示不可用', '优惠券为什么提示不符合条件'], '请检查：订单金额是否达到使用门槛、商品是否在适用范围内、优惠券是否已过期，以及是否与其他优惠叠加。'),
  zh('z-coupon-get', '优惠券', '在哪里领取优惠券？', ['怎么领券', '新人优惠券', '领券中心', '有什么优惠活动'], '在“我的”→“领券中心”可以领取当前可用的优惠券；新用户注册后自动发放新人券包。'),
  zh('z-password', '账号', '忘记密码怎么办？', ['重置密码', '找回密码', '登录密码忘了'], '在登录页点击“忘记密码”，通过绑定的手机号接收验证码后即可设置新密码。'),
  zh('z-phone', '账号', '如何更换绑定的手机号？', ['换手机号了', '修改绑定手机'], '进入“设置”→“账号与安全”→“手机号”，验证原手机号或身份后即可换绑新号码。'),
  zh('z-vip', '会员', '会员等级是怎么划分的？', ['怎么升级会员', '会员有什么权益', 'VIP 等级规则'], '会员等级按成长值分为普通、白银、黄金、铂金四级，成长值来自消费和互动，等级越高权益越多。'),
  zh('z-invoice', '订单', '可以开发票吗？', ['怎么开发票', '电子发票', '申请增值税发票'], '订单完成后可在订单详情中申请电子发票，支持个人和企业抬头，发票会发送到你的邮箱。'),
  zh('z-delete', '账号', '如何注销账号？', ['删除账户', '不想用了怎么注销'], '进入“设置”→“账号与安全”→“注销账号”，确认后 15 天内可以撤销，之后数据将被永久删除。'),
  zh('z-human', '客服', '怎么联系人工客服？', ['转人工', '客服电话多少', '找真人客服'], '在本页面输入“人工”即可转接人工客服，服务时间为每天 9:00–21:00；也可以拨打客服电话 400-000-0000。'),
  // ---- en -------------------------------------------------------------------------------------
  en('e-refund', 'refunds', 'How do I request a refund?', ['How can I get my money back?', 'What is the refund process?', 'I want to return an item for a refund'], 'Open My Orders, pick the order and tap "Request refund", then choose a reason. We review requests within 48 hours and refund to the original payment method.'),
  en('e-refund-time', 'refunds', 'How long does a refund take?', ['When will I receive my refund?', 'Where can I see my refund status?', 'How many days until I get the refund?'], 'Once approved, refunds reach WeChat Pay or Alipay in 1–3 business days and bank cards in 3–7. The order page shows the refund progress.'),
  en('e-ship-time', 'shipping', 'When will my order ship?', ['How long until my order is dispatched?', 'What is the processing time?'], 'In-stock items ship within 48 hours of payment; pre-orders ship on the date shown on the product page.'),
  en('e-ship-fee', 'shipping', 'How much does shipping cost?', ['Is shipping free?', 'What are the delivery charges?', 'Do I pay for shipping?'], 'Orders of ¥99 or more ship free (remote areas excepted); below that, shipping is ¥8.'),
  en('e-track', 'shipping', 'How can I track my package?', ['Where is my order?', 'Where do I find the tracking number?', 'Has my parcel been delivered?'], 'Open the order in My Orders and tap "Track" to see the carrier, the tracking number and live updates.'),
  en('e-address', 'orders', 'Can I change the shipping address after ordering?', ['I entered the wrong address', 'Update my delivery address'], 'Before the order ships you can edit the address on the order page; after it ships, contact the carrier or our support to redirect it.'),
  en('e-cancel', 'orders', 'How do I cancel an order?', ['Can I cancel after paying?', 'Cancel my purchase', 'I changed my mind about an order'], 'Orders that have not shipped can be cancelled on the order page and are refunded in full; shipped orders can be returned after delivery.'),
  en('e-points-earn', 'points', 'How do I earn points?', ['Ways to get reward points', 'How are points awarded?', 'How do I collect more points?'], 'You earn points for the daily check-in, for purchases (1 point per ¥1), for reviews with photos and for completing tasks.'),
  en('e-points-expire', 'points', 'Do points expire?', ['How long are points valid?', 'Points expiration date', 'When will my points expire?'], 'Points are valid for 12 months from the day you earn them; unused points expire on the 1st of the following month.'),
  en('e-points-use', 'points', 'What can I do with my points?', ['How do I redeem points?', 'Where is the points mall?'], 'Redeem points for coupons and gifts in the Points Mall, or use them at checkout (100 points = ¥1).'),
  en('e-checkin', 'check-in', 'What do I get for the daily check-in?', ['Check-in rewards', 'Is there a streak bonus?'], 'Each check-in gives 5 points; a 7-day streak adds 50 bonus points and a 30-day streak earns an exclusive badge.'),
  en('e-makeup', 'check-in', 'I missed a check-in. Can I make it up?', ['My streak is broken', 'How do make-up cards work?', 'I forgot to check in'], 'Use a make-up card to fill any missed day within the last 7 days. Make-up cards come from the Points Mall or from tasks.'),
  en('e-coupon-use', 'coupons', 'How do I use a coupon?', ['How do I apply a discount?', 'Where do I enter a promo code?'], 'Checkout picks the best coupon you can use automatically; tap "Coupons" to choose another one or enter a code.'),
  en('e-coupon-fail', 'coupons', "Why can't I use my coupon?", ['My coupon is not working', 'Coupon shows as invalid', 'The coupon cannot be applied to my order'], 'Check that the order reaches the minimum amount, that the items are covered, that the coupon has not expired and that it can be combined with other offers.'),
  en('e-password', 'account', 'How do I reset my password?', ['I forgot my password', 'Recover my account login'], 'On the sign-in page tap "Forgot password" and enter the code we text to your phone to set a new password.'),
  en('e-phone', 'account', 'How do I change my phone number?', ['Update the mobile number on my account'], 'Go to Settings → Account & Security → Phone, verify your old number or your identity, then enter the new number.'),
  en('e-delete', 'account', 'How do I delete my account?', ['Remove my account and data'], 'Go to Settings → Account & Security → Delete account. You can undo it within 15 days; after that your data is erased for good.'),
  en('e-human', 'support', 'How can I talk to a human agent?', ['Contact customer support', 'Customer service phone number'], 'Type "agent" here to be handed to a person (9:00–21:00 daily), or call 400-000-0000.'),
];
