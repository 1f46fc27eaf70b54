// nextClockTime (core/clock-time.ts) answers what croner's daily pattern `m h * * *` answered for a rate-limit
// error's "resets 3pm (Europe/Berlin)" before croner left the claim/complete path: the same instant for every zone,
// time and moment tried, DST gaps and overlaps included.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { nextClockTime } from '../src/core/clock-time.js';
import { nextSlot } from '../src/core/schedule.js';

const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'America/St_Johns', 'Pacific/Chatham', 'Asia/Tokyo'];

test('nextClockTime agrees with croner across zones, hours and DST days', () => {
  // Around the 2026 DST changes of the zones above, and anywhere in 2020–2032.
  const changes = [Date.UTC(2026, 2, 29, 1), Date.UTC(2026, 9, 25, 1), Date.UTC(2026, 2, 8, 7), Date.UTC(2026, 10, 1, 6), Date.UTC(2026, 3, 5, 15), Date.UTC(2026, 8, 26, 14)];
  const moment = fc.oneof(
    fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2032, 0, 1) }),
    fc.tuple(fc.constantFrom(...changes), fc.integer({ min: -2 * 86_400_000, max: 2 * 86_400_000 })).map(([c, d]) => c + d),
  );
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 30, 45, 59, 7), fc.constantFrom(...ZONES), moment, (hour, minute, tz, after) => {
      const ours = nextClockTime(hour, minute, tz, after);
      const croner = nextSlot(`${minute} ${hour} * * *`, tz, after) ?? undefined;
      assert.equal(ours, croner, `${hour}:${minute} ${tz} after ${new Date(after).toISOString()}: ours ${ours && new Date(ours).toISOString()}, croner ${croner && new Date(croner).toISOString()}`);
    }),
    { numRuns: 600 },
  );
});

test('every quarter hour of the days around four zones\' DST changes (gaps and overlaps) matches croner', () => {
  const around = [['Europe/Berlin', Date.UTC(2026, 2, 29, 1)], ['Europe/Berlin', Date.UTC(2026, 9, 25, 1)], ['America/New_York', Date.UTC(2026, 2, 8, 7)], ['America/New_York', Date.UTC(2026, 10, 1, 6)], ['Australia/Lord_Howe', Date.UTC(2026, 3, 4, 15)], ['Australia/Lord_Howe', Date.UTC(2026, 9, 3, 15, 30)]] as const;
  let checked = 0;
  for (const [tz, change] of around) {
    for (let after = change - 36 * 3_600_000; after <= change + 12 * 3_600_000; after += 97 * 60_000) {
      for (let hour = 0; hour < 24; hour++) {
        for (const minute of [0, 15, 30, 45]) {
          assert.equal(nextClockTime(hour, minute, tz, after), nextSlot(`${minute} ${hour} * * *`, tz, after) ?? undefined, `${hour}:${minute} ${tz} after ${new Date(after).toISOString()}`);
          checked++;
        }
      }
    }
  }
  assert.ok(checked > 10_000);
});

test('an unknown zone is no answer; past times are tomorrow', () => {
  assert.equal(nextClockTime(15, 0, 'Mars/Olympus', Date.UTC(2026, 0, 5, 9)), undefined);
  assert.equal(nextClockTime(8, 0, 'UTC', Date.UTC(2026, 0, 5, 9)), Date.UTC(2026, 0, 6, 8));
  assert.equal(nextClockTime(15, 0, 'Europe/Berlin', Date.UTC(2026, 0, 5, 9)), Date.UTC(2026, 0, 5, 14));
});
