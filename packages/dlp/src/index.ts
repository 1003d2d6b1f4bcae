export { base64Core, encodedForms, longestForm, type EncodedForm } from './encodings';
export { SecretMatcher, type Match, type Pattern, type RunResult, type Secret } from './matcher';
export { StreamScanner, type Hit, type ScanStep } from './stream-scan';
export { StreamRedactor, defaultReplacement, redactText, type Replacement } from './redact';
export { PercentDecoder, percentDecode } from './percent';
