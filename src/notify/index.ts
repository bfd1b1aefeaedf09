/** Notices (docs/notices.md): `createNotifier(config.notify, deps).notify(event)` never throws. */
export { createNotifier, notifierFromConfig, type Notifier, type NotifierDeps } from "./notifier.js";
export {
  NOTICE_KINDS,
  noticeEventSchema,
  type NoticeEvent,
  type NoticeKind,
  type NoticePayload,
  type NoticeResult,
  type NoticeStep,
} from "./event.js";
export { SIGNATURE_HEADER, TIMESTAMP_HEADER, DELIVERY_HEADER, signNotice } from "./webhook.js";
