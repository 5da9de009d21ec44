// The Authorization header of HTTP Basic authentication (RFC 7617).

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}
