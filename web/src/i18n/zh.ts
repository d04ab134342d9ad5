// 中文。与 en.ts 键完全相同（i18n.spec.ts 会检查）。
import type en from './en'

const zh: typeof en = {
  app: { name: '图片云盘', skip: '跳到正文', menu: '菜单', language: '语言', loading: '加载中…' },
  nav: {
    gallery: '图库', upload: '上传', search: '搜索', duplicates: '重复图片', categories: '分类',
    analytics: '统计', library: '资料库', logout: '退出登录', account: '账户',
  },
  health: {
    down: '云盘部分服务不可用：{names}。恢复前部分操作可能失败。',
    unreachable: '暂时无法连接云盘。',
    models: '搜索结果没有意义：{names} 使用的是随机初始化权重，而不是真实模型。',
    details: '详情', retry: '重新检查',
  },
  auth: {
    login: '登录', register: '注册账户', username: '用户名', password: '密码', passwordRepeat: '再次输入密码',
    noAccount: '还没有账户？', haveAccount: '已有账户？', policyTitle: '密码要求',
    policyLength: '{min} 到 {max} 个字符', policyUsername: '不能包含用户名', policyDistinct: '包含足够多的不同字符',
    usernameRule: '2–63 个字母、数字、点、短横线或下划线，以字母或数字开头',
    mismatch: '两次输入的密码不一致', required: '必填', loggedOut: '您已退出登录。',
    tagline: '按画面内容和图中文字找到你的图片。',
  },
  status: { PENDING: '处理中', READY: '就绪', FAILED: '失败' },
  visibility: { private: '私有', public: '公开', system: '系统' },
  sort: { newest: '最新优先', oldest: '最早优先', name: '名称', size: '大小' },
  gallery: {
    title: '图库', mine: '我的图片', all: '所有可见图片', status: '状态', visibility: '可见性', category: '分类',
    name: '文件名包含', dates: '上传时间', from: '开始', to: '结束', sort: '排序', any: '全部',
    empty: '没有符合条件的图片。', emptyMine: '云盘还是空的，上传你的第一批图片吧。', end: '已经全部加载。',
    more: '加载更多', count: '已显示 {n} 张', filters: '筛选', clear: '清除筛选', by: '来自 {owner}',
    failed: '失败：{reason}',
  },
  upload: {
    title: '上传', drop: '把图片或文件夹拖到这里', or: '或', pickFiles: '选择文件', pickFolder: '选择文件夹',
    limits: '支持 JPEG、PNG、WebP、GIF、BMP、TIFF，每个不超过 {size}。', queue: '上传列表',
    clearDone: '清除已完成', retry: '重试', cancel: '取消',
    state: {
      waiting: '等待中', refused: '已拒绝', uploading: '上传中', processing: '处理中', ready: '就绪',
      failed: '失败', error: '上传失败', duplicate: '云盘中已有', cancelled: '已取消',
    },
    summary: '已完成 {done} / {total}', open: '打开', notImage: '不是云盘接受的图片格式（{type}）',
    tooLarge: '超过 {size} 的大小限制', empty: '文件为空',
  },
  image: {
    back: '返回', download: '下载', rename: '重命名', save: '保存', delete: '删除',
    deleteConfirm: '永久删除“{name}”？原图、缩略图、文字和向量都会一并删除。', deleted: '已删除', saved: '已保存',
    visibility: '可见性', categories: '分类', assign: '添加分类', none: '无', ocr: '图中文字', noOcr: '没有识别到文字。',
    details: '详细信息', owner: '所有者', size: '大小', dimensions: '尺寸', format: '格式', uploaded: '上传时间',
    ready: '就绪时间', checksum: 'SHA-256', source: '来源', confidence: '置信度', similar: '相似图片', k: '数量',
    threshold: '最低相似度', noSimilar: '没有高于此阈值的相似图片。', notReady: '图片仍在处理中，会自动更新。',
    failedReason: '处理失败：{reason}', auto: '自动', readOnly: '只有所有者可以修改这张图片。', preview: '{name} 的预览',
  },
  search: {
    title: '搜索', text: '文字', image: '以图搜图', ocr: '图中文字', hybrid: '混合',
    textPlaceholder: '用任意语言描述你要找的画面', ocrPlaceholder: '图片中写着的文字', hybridPlaceholder: '描述画面或图中出现的文字',
    go: '搜索', imageDrop: '拖入、粘贴（Ctrl+V）或选择一张图片来查找相似图片。图片不会被保存。',
    choose: '选择图片', sMin: '最低相似度', sMinOff: '不限', k: '结果数', timing: '显示耗时', hideTiming: '隐藏耗时',
    score: '得分', cosine: '余弦', results: '{n} 个结果', noResults: '没有找到结果。', tryOther: '试试其他搜索方式：',
    randomModels: '本网盘的图像模型为随机初始化：按画面内容搜索的结果顺序是随机的。图中文字搜索是真实的。',
    why: '匹配原因', reason: { clip: '画面与文字相符（第 {rank} 名）', ocr: '图中写有这些文字（第 {rank} 名）' },
    category: '仅限分类', query: '查询图片',
    t: { embed_ms: '编码', load_ms: '加载索引', search_ms: '检索', hydrate_ms: '补全', total_ms: '总计',
      shared_index_version: '共享索引版本', index_version: '私有索引版本', index_size: '索引中的向量', fresh_size: '新增向量' },
  },
  duplicates: {
    title: '重复图片', threshold: '相似度至少', groups: '{groups} 组，共 {images} 张', none: '此阈值下没有近似重复的图片。',
    max: '最大余弦 {c}', find: '查找', more: '显示更多（已显示 {shown} / {total} 组）',
  },
  categories: {
    title: '分类', name: '名称', prompt: '自动打标提示词（可选）', system: '所有人可用（系统）', create: '创建',
    count: '图片数', kind: '类型', mine: '我的', created: '已创建“{name}”',
    promptHelp: '新上传的图片若与这段描述相符，会自动归入此分类。', show: '查看图片',
    none: '还没有分类，在上方创建第一个吧。',
  },
  analytics: {
    title: '统计', days: '时间范围', daysN: '{n} 天', images: '图片', storage: '存储', uploadsPerDay: '每日上传',
    byStatus: '按状态', byFormat: '按格式', byCategory: '按分类', byVisibility: '按可见性',
    searchesPerDay: '每日搜索（按类型）', searches: '搜索', p50: 'p50 延迟', p95: 'p95 延迟', zeroRate: '零结果率',
    failures: '入库失败', failedImages: '张失败图片', recent: '最近的失败', export: '导出', exportCsv: '导出 CSV',
    exportJson: '导出 JSON', exportReady: '导出已完成', downloadExport: '下载 {format}', rows: '{written} / {total} 行',
    scopeAll: '整个云盘（管理员）', scopeOwn: '你的图片和搜索', noData: '暂无数据', exportFailed: '导出失败：{error}',
  },
  library: {
    title: '资料库', count: '图片', bytes: '存储', formats: '格式', clear: '清空全部',
    clearWarning: '这会删除你拥有的所有图片及其缩略图、文字和向量，且无法恢复。', typePhrase: '输入 {phrase} 以确认',
    cleared: '已删除 {n} 张图片', danger: '危险操作',
  },
  common: {
    cancel: '取消', confirm: '确认', close: '关闭', error: '出错了', retry: '重试', refresh: '刷新',
    notFound: '页面不存在。', home: '回到图库', yes: '是', no: '否', loading: '加载中…',
  },
}
export default zh
