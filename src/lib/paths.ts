/** Settings → SMS & OTP: linked from the admin home pages and the sidebar. */
export const SETTINGS_SMS_OTP_PATH = '/settings/sms-otp';
