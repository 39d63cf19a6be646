/** An account as the core sees it: secrets stay encrypted until a caller asks for them. */
export interface Account {
  id: string;
  name: string;
  imagesHash: string;
  uploadcarePublicKey: string;
  streamApiKey: string;
  settings: AccountSettings;
  createdAt: string;
}

/** Per-account switches and limits; dialects read the parts they own. */
export interface AccountSettings {
  /** Uploadcare UPLOADCARE_STORE=auto: store uploads permanently (default true). */
  autoStore?: boolean;
  /** Cloudflare Images flexible variants on the delivery URL. */
  flexibleVariants?: boolean;
  /** Maximum single file size in bytes. */
  maxFileSize?: number;
  /** Maximum number of live assets. */
  maxFiles?: number;
  /** Maximum bytes stored (originals and variants). */
  maxStorageBytes?: number;
  /** Cloudflare Images allowance (image count). */
  imagesAllowed?: number;
  /**
   * Narrows KILN_IMAGE_SOURCES for this account's image URLs (imgproxy, Uploadcare proxy): URL
   * prefixes; a source must be allowed by both.
   */
  imageSources?: string[];
  [key: string]: unknown;
}

/** The credentials handed out once, at creation: the shape `kiln accounts create --json` prints. */
export interface AccountCredentials {
  id: string;
  name: string;
  apiToken: string;
  imagesHash: string;
  uploadcare: { publicKey: string; secretKey: string };
  stream: { apiKey: string; apiSecret: string };
  /** imgproxy URL signing key and salt, hex (as IMGPROXY_KEY / IMGPROXY_SALT). */
  imgproxy: { key: string; salt: string };
}
