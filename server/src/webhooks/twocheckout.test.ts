import { describe, expect, it } from 'vitest';
import {
  hmacHex,
  ipnReceipt,
  lcnReceipt,
  parseForm,
  readTwoCheckoutNotification,
  signedString,
  TwoCheckoutWebhookError,
  verifyTwoCheckoutNotification,
  type FormFields,
} from './twocheckout.ts';

// PROVIDERS.md §5 known answers: key AABBCCDDEEFF over an LCN receipt string.
const KEY = 'AABBCCDDEEFF';
const RECEIPT_STRING = '103C343D0FAF102005-03-031420081117145935';

function sign(fields: FormFields, algo: 'md5' | 'sha256' | 'sha3-256', key = KEY): FormFields {
  const name = { md5: 'HASH', sha256: 'SIGNATURE_SHA2_256', 'sha3-256': 'SIGNATURE_SHA3_256' }[algo];
  return [...fields, [name, hmacHex(algo, key, signedString(fields))]];
}

describe('2Checkout webhook signatures', () => {
  it('matches the documented HMACs', () => {
    expect(hmacHex('md5', KEY, RECEIPT_STRING)).toBe('cb34fe2991668eb82364edf62f845a34');
    expect(hmacHex('sha256', KEY, RECEIPT_STRING)).toBe(
      'cdd64ce75e6cf013a60291229c83063a5d903eae3bfa216e99aae8af65a055e8',
    );
    expect(hmacHex('sha3-256', KEY, RECEIPT_STRING)).toBe(
      '7fc19d21103ea56f1b413315fb3feb5fbdd137758623a73c7ed12d9bb84f21db',
    );
  });

  it('answers the documented LCN read receipt', () => {
    const fields: FormFields = [
      ['LICENSE_CODE', '3C343D0FAF'],
      ['EXPIRATION_DATE', '2005-03-03'],
    ];
    const now = new Date('2008-11-17T14:59:35Z');
    expect(lcnReceipt(fields, KEY, 'md5', now)).toBe(
      '<EPAYMENT>20081117145935|cb34fe2991668eb82364edf62f845a34</EPAYMENT>',
    );
    expect(lcnReceipt(fields, KEY, 'sha256', now)).toBe(
      '<sig algo="sha256" date="20081117145935">cdd64ce75e6cf013a60291229c83063a5d903eae3bfa216e99aae8af65a055e8</sig>',
    );
    expect(lcnReceipt(fields, KEY, 'sha3-256', now)).toBe(
      '<sig algo="sha3-256" date="20081117145935">7fc19d21103ea56f1b413315fb3feb5fbdd137758623a73c7ed12d9bb84f21db</sig>',
    );
  });

  it('signs fields in received order, lists element by element, an empty value as 0', () => {
    const fields = parseForm('REFNO=42&IPN_PID%5B%5D=1&IPN_PID%5B%5D=22&CURRENCY=&NAME=J%C3%BCrg&HASH=x');
    expect(signedString(fields)).toBe('242' + '11' + '222' + '0' + '5Jürg');
  });

  it('builds the IPN receipt from IPN_PID[0], IPN_PNAME[0], IPN_DATE and DATE', () => {
    const fields = parseForm('IPN_PID%5B%5D=7&IPN_PNAME%5B%5D=Pro&IPN_PID%5B%5D=8&IPN_DATE=20260101120000');
    const now = new Date('2026-01-01T12:00:01Z');
    const hash = hmacHex('sha256', KEY, '17' + '3Pro' + '1420260101120000' + '1420260101120001');
    expect(ipnReceipt(fields, KEY, 'sha256', now)).toBe(
      `<sig algo="sha256" date="20260101120001">${hash}</sig>`,
    );
  });

  for (const algo of ['md5', 'sha256', 'sha3-256'] as const) {
    it(`verifies ${algo} and refuses a changed field or another key`, () => {
      const fields: FormFields = [
        ['LICENSE_CODE', 'SUB-1'],
        ['EXPIRATION_DATE', '2027-01-01'],
        ['EMAIL', 'ada@example.com'],
      ];
      const signed = sign(fields, algo);
      expect(() => verifyTwoCheckoutNotification(signed, KEY, algo)).not.toThrow();
      const upper = signed.map(([k, v]) => [k, k === fields[0]![0] ? v : v.toUpperCase()] as const);
      expect(() => verifyTwoCheckoutNotification(upper.slice(0, 3).concat([signed[3]!]), KEY, algo)).toThrow(
        TwoCheckoutWebhookError,
      );
      expect(() => verifyTwoCheckoutNotification(sign(fields, algo, 'other'), KEY, algo)).toThrow(
        /does not match/,
      );
      // Hex compares case-insensitively.
      const shouted = signed.map(([k, v], i) => [k, i === 3 ? v.toUpperCase() : v] as const);
      expect(() => verifyTwoCheckoutNotification(shouted, KEY, algo)).not.toThrow();
    });
  }

  it("accepts only the signature the connection's algorithm names", () => {
    const fields: FormFields = [['LICENSE_CODE', 'SUB-1']];
    expect(() => verifyTwoCheckoutNotification(sign(fields, 'md5'), KEY, 'sha256')).toThrow(
      /SIGNATURE_SHA2_256/,
    );
    const twice = [...sign(fields, 'sha256'), ['SIGNATURE_SHA2_256', '00'] as const];
    expect(() => verifyTwoCheckoutNotification(twice, KEY, 'sha256')).toThrow(/exactly one/);
  });
});

describe('2Checkout notifications', () => {
  it('reads an LCN', () => {
    const notification = readTwoCheckoutNotification(
      parseForm(
        'LICENSE_CODE=SUB-1&EXPIRATION_DATE=2027-01-31&DATE_UPDATED=2026-12-01+10%3A00%3A00&DISABLED=1&EMAIL=Ada%40Example.com',
      ),
    );
    expect(notification).toEqual({
      kind: 'lcn',
      occurredAt: '2026-12-01T10:00:00.000Z',
      subscriptions: [
        {
          reference: 'SUB-1',
          email: 'ada@example.com',
          status: 'disabled',
          expiresAt: '2027-01-31T00:00:00.000Z',
          disabled: true,
        },
      ],
    });
  });

  it('reads an IPN with one subscription per product', () => {
    const notification = readTwoCheckoutNotification(
      parseForm(
        'REFNO=9&ORDERSTATUS=COMPLETE&CUSTOMEREMAIL=ada%40example.com&IPN_DATE=20261201100000' +
          '&IPN_PID%5B%5D=1&IPN_LICENSE_REF%5B%5D=SUB-1&IPN_LICENSE_EXP%5B%5D=2027-01-31+00%3A00%3A00' +
          '&IPN_PID%5B%5D=2&IPN_LICENSE_REF%5B%5D=&IPN_LICENSE_EXP%5B%5D=',
      ),
    );
    expect(notification.kind).toBe('ipn');
    expect(notification.occurredAt).toBe('2026-12-01T10:00:00.000Z');
    expect(notification.subscriptions).toEqual([
      {
        reference: 'SUB-1',
        email: 'ada@example.com',
        status: 'active',
        expiresAt: '2027-01-31T00:00:00.000Z',
        disabled: false,
      },
    ]);
  });

  it('refuses what is neither, or carries no readable date', () => {
    expect(() => readTwoCheckoutNotification(parseForm('A=1'))).toThrow(TwoCheckoutWebhookError);
    expect(() => readTwoCheckoutNotification(parseForm('LICENSE_CODE=SUB-1&DATE_UPDATED=soon'))).toThrow(
      /DATE_UPDATED/,
    );
    expect(() =>
      readTwoCheckoutNotification(parseForm('LICENSE_CODE=%3Cscript%3E&DATE_UPDATED=2026-01-01')),
    ).toThrow(/reference/);
  });
});
