// The bodies of "My devices" and of the setup shown once after adding a device (HTML; every value
// escaped). The device modules (devices/) compute what each client needs; this only lays it out.
import type { DeviceKind } from '../auth/app-passwords.js';
import type { PortalTextKey } from '../i18n/portal.js';
import type { Language } from '../i18n/texts.js';
import { escapeHtml } from './contract.js';
import type { Device } from './device-list.js';
import { davx5BaseUrl, davx5LoginUrl, qrSvg } from './devices/davx5.js';
import { outlookSettings, type CollectionKind } from './devices/outlook.js';
import { thunderbirdSettings } from './devices/thunderbird.js';
import { guideLink, guidesSection, isGuideClient } from './guides.js';
import { formatDate, labelledChoiceForm, t } from './layout.js';

export const KIND_TEXT: Record<DeviceKind, PortalTextKey> = {
  iphone: 'kindIphone',
  android: 'kindAndroid',
  outlook: 'kindOutlook',
  thunderbird: 'kindThunderbird',
  other: 'kindOther',
};

export interface DevicesPageOptions {
  readonly lang: Language;
  readonly devices: readonly Device[];
  /** The hidden CSRF field for every form. */
  readonly csrf: string;
  readonly notice?: string | undefined;
  readonly error?: string | undefined;
  /** What the add form held when it was refused. */
  readonly label?: string | undefined;
  readonly kind?: string | undefined;
}

export function renderDevicesPage(o: DevicesPageOptions): string {
  const { lang } = o;
  const parts = [`<h1>${t(lang, 'devicesTitle')}</h1>`];
  if (o.notice) parts.push(`<p class="notice ok" role="status">${o.notice}</p>`);
  parts.push(`<p>${t(lang, 'devicesIntro')}</p>`);
  if (o.devices.length === 0) {
    parts.push(`<p><em>${t(lang, 'noDevices')}</em></p>`);
  } else {
    const head = (['colDevice', 'colKind', 'colCreated', 'colLastUsed', 'colLastAddress', 'colAction'] as const).map((k) => `<th scope="col">${t(lang, k)}</th>`).join('');
    const rows = o.devices.map((d) => {
      const cell = (k: PortalTextKey, v: string, cls = '') => `<td${cls ? ` class="${cls}"` : ''} data-label="${t(lang, k)}">${v}</td>`;
      return `<tr>
${cell('colDevice', escapeHtml(d.label))}
${cell('colKind', t(lang, KIND_TEXT[d.kind]))}
${cell('colCreated', escapeHtml(formatDate(lang, d.createdAt)))}
${cell('colLastUsed', d.lastUsedAt ? escapeHtml(formatDate(lang, d.lastUsedAt)) : t(lang, 'never'))}
${cell('colLastAddress', d.lastAddress ? `<span class="mono">${escapeHtml(d.lastAddress)}</span>` : '–', 'address')}
<td><form method="post" action="/setup/devices/${encodeURIComponent(d.id)}/revoke">${o.csrf}<button type="submit" class="secondary" aria-label="${t(lang, 'revokeNamed', { label: d.label })}">${t(lang, 'revoke')}</button></form></td>
</tr>`;
    });
    parts.push(`<table class="devices"><thead><tr>${head}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`);
  }
  const options = (Object.keys(KIND_TEXT) as DeviceKind[])
    .map((k) => `<option value="${k}"${o.kind === k ? ' selected' : ''}>${t(lang, KIND_TEXT[k])}</option>`)
    .join('');
  parts.push(`<h2 id="add">${t(lang, 'addTitle')}</h2>`);
  if (o.error) parts.push(`<p class="notice err" role="alert" id="add-error">${o.error}</p>`);
  parts.push(
    labelledChoiceForm({
      action: '/setup/devices', csrf: o.csrf, choice: 'kind', choiceLabel: t(lang, 'kindLabel'), options,
      labelLabel: t(lang, 'labelLabel'), labelHint: t(lang, 'labelHint'), label: o.label,
      errorId: o.error ? 'add-error' : undefined, button: t(lang, 'addButton'),
    }),
  );
  parts.push(guidesSection(lang));
  return parts.join('\n');
}

export interface SetupCollection {
  readonly name: string;
  /** Absolute URL. */
  readonly url: string;
  readonly kind: CollectionKind;
  /** The employee's own (two-way in Outlook); false for a colleague's calendar. */
  readonly own: boolean;
}

export interface SetupPageOptions {
  readonly lang: Language;
  readonly firmName: string;
  readonly baseUrl: string;
  readonly username: string;
  readonly password: string;
  readonly device: Device;
  readonly csrf: string;
  readonly profileSigned: boolean;
  readonly collections: readonly SetupCollection[];
}

/** Label and value pairs; each value marked `data-copy` (copy.js adds a copy button after it). */
function fields(lang: Language, rows: readonly [PortalTextKey, string, boolean?][]): string {
  return `<dl class="fields">${rows
    .map(([k, v, secret]) => `<dt>${t(lang, k)}</dt><dd><span class="${secret ? 'secret' : 'mono'}" data-copy>${escapeHtml(v)}</span></dd>`)
    .join('')}</dl>`;
}

export async function renderSetupPage(o: SetupPageOptions): Promise<string> {
  const { lang, device } = o;
  // The address every client starts from (as DAVx⁵ and Thunderbird take it), shown once.
  const server = davx5BaseUrl(o.baseUrl);
  const parts = [`<h1>${t(lang, 'createdTitle', { label: device.label })}</h1>`];
  parts.push(`<p class="notice warn" role="status">${t(lang, 'passwordOnce')}</p>`);
  parts.push(
    fields(lang, [
      ['fieldServer', server],
      ['fieldUser', o.username],
      ['fieldPassword', o.password, true],
    ]),
  );
  parts.push(`<h2>${t(lang, KIND_TEXT[device.kind])}</h2>`);
  switch (device.kind) {
    case 'iphone':
      parts.push(`<p>${t(lang, 'iphoneSteps')}</p>
<form method="post" action="/setup/devices/${encodeURIComponent(device.id)}/profile">${o.csrf}
<input type="hidden" name="password" value="${escapeHtml(o.password)}">
<button type="submit">${t(lang, 'downloadProfile')}</button>
</form>
<p class="hint">${t(lang, o.profileSigned ? 'profileSigned' : 'profileUnsigned')}</p>`);
      break;
    case 'android': {
      const login = davx5LoginUrl({ baseUrl: o.baseUrl, username: o.username, password: o.password });
      parts.push(`<p>${t(lang, 'androidSteps')}</p>
<div class="qr">${await qrSvg(login, { label: t(lang, 'qrAlt') })}</div>
<p><a class="button" href="${escapeHtml(login)}">${t(lang, 'androidLink')}</a></p>`);
      break;
    }
    case 'outlook': {
      parts.push(`<p>${t(lang, 'outlookSteps')}</p>`);
      for (const p of outlookSettings(o.collections, o.username, lang)) {
        // "Kontakte (Kontakte)" says nothing twice: the folder kind only when the name differs.
        const kind = p.folderKind.trim().toLocaleLowerCase() === p.collection.name.trim().toLocaleLowerCase() ? '' : ` <small>(${escapeHtml(p.folderKind)})</small>`;
        parts.push(`<h3>${escapeHtml(p.collection.name)}${kind}</h3>
<dl class="fields">${p.rows
          .map((r) => {
            const english = r.english.label !== r.label || r.english.value !== r.value ? ` <small lang="en">(${escapeHtml(r.english.label)}: ${escapeHtml(r.english.value)})</small>` : '';
            return `<dt>${escapeHtml(r.label)}</dt><dd>${r.copy ? `<span class="mono" data-copy>${escapeHtml(r.value)}</span>` : `<span>${escapeHtml(r.value)}</span>`}${english}</dd>`;
          })
          .join('')}</dl>`);
      }
      break;
    }
    case 'thunderbird':
    case 'other': {
      const tb = thunderbirdSettings({ baseUrl: o.baseUrl, username: o.username, collections: o.collections });
      // The one address to discover from is the server shown above (tb.location): not again here.
      parts.push(`<p>${t(lang, device.kind === 'thunderbird' ? 'thunderbirdSteps' : 'otherSteps')}</p>`);
      const list = [...tb.calendars, ...tb.addressBooks];
      if (list.length) {
        parts.push(`<h3>${t(lang, 'collectionsHeading')}</h3>
<table><thead><tr><th scope="col">${t(lang, 'colCollection')}</th><th scope="col">${t(lang, 'colUrl')}</th></tr></thead><tbody>
${list.map((c) => `<tr><td>${escapeHtml(c.name)}</td><td><span class="mono" data-copy>${escapeHtml(c.url)}</span></td></tr>`).join('\n')}
</tbody></table>`);
      }
      break;
    }
  }
  if (isGuideClient(device.kind)) parts.push(guideLink(lang, device.kind));
  parts.push(`<p><a class="button" href="/setup/">${t(lang, 'done')}</a></p>`);
  return parts.join('\n');
}
