/**
 * Replaces the password of every URL written in `text` (`scheme://user:secret@host` → `scheme://user:***@host`),
 * so that a URL can be shown in a message or a log without its secret. Text without credentials is unchanged.
 */
export function maskUrlCredentials(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s"'<>]*:)[^@\s"'<>]*@/gi, "$1***@");
}
