/** Shown in the header, the login card and every document title. */
export const PRODUCT_NAME = 'SMS OTP';
