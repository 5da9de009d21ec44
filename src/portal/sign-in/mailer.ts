// Sends the portal's mails: over SMTP_URL with nodemailer, or, without it (demo mode), as .eml
// files in DATA_DIR/mail with a log line saying where. A mail carries a sign-in link, so neither
// its text nor its file name ever reaches a log line.
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Config } from '../../config.js';
import type { Logger } from '../../logger.js';
import { withTimeout } from './timeout.js';

export interface OutgoingMail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

export interface Mailer {
  /** Where mails go in demo mode (no SMTP_URL); undefined when they go to the SMTP server. */
  readonly demoFolder: string | undefined;
  send(mail: OutgoingMail): Promise<void>;
}

/** Longest a whole delivery may take, on top of nodemailer's per-step timeouts. */
const SEND_TIMEOUT_MS = 60_000;

export function createMailer(config: Config, log: Logger): Mailer {
  const from = config.smtpFrom;
  if (config.smtpUrl) {
    const transport = nodemailer.createTransport(
      { url: config.smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000, dnsTimeout: 10_000 },
      { from },
    );
    return {
      demoFolder: undefined,
      async send(mail) {
        await withTimeout(transport.sendMail({ to: mail.to, subject: mail.subject, text: mail.text }), SEND_TIMEOUT_MS, 'sending mail');
      },
    };
  }
  const folder = path.join(config.dataDir, 'mail');
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' }, { from });
  return {
    demoFolder: folder,
    async send(mail) {
      const info = await composer.sendMail({ to: mail.to, subject: mail.subject, text: mail.text });
      await mkdir(folder, { recursive: true, mode: 0o700 });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const file = path.join(folder, `${stamp}-${randomBytes(4).toString('hex')}.eml`);
      await writeFile(file, info.message as Buffer, { mode: 0o600 });
      log.info({ file }, 'demo mode (no SMTP_URL): sign-in mail written to a file instead of being sent');
    },
  };
}
