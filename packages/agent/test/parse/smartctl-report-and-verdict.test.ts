import { describe, it, expect } from 'vitest';
import { parseSmartctl, type SmartctlReport } from '../../src/parse/smartctl.js';
import { decodeSmartctlExitStatus } from '../../src/parse/smartctl-exit-status.js';
import { overallVerdict, smartHealth } from '../../src/parse/smart-health.js';
import { expectParseFailed, fixture } from '../system-test-support.js';

const report = (name: string): SmartctlReport => parseSmartctl(fixture('smartctl', name));

/** A fixture with edits applied to its decoded JSON (for variants of one disk). */
function edited(name: string, edit: (doc: Record<string, any>) => void): SmartctlReport {
  const doc: Record<string, any> = JSON.parse(fixture('smartctl', name));
  edit(doc);
  return parseSmartctl(JSON.stringify(doc));
}

describe('smartctl JSON', () => {
  it('reads a healthy SATA HDD, with the packed temperature raw decoded', () => {
    const r = report('sata-hdd-healthy.json');
    expect(r).toMatchObject({
      device: '/dev/sda', deviceType: 'sat', protocol: 'ATA', smart: 'available', smartReason: null,
      model: 'WDC WD40EFRX-68N32N0', serial: 'WD-WCC7K0ABCDEF', firmware: '82.00A82',
      capacityBytes: 4000787030016, rotationRateRpm: 5400, temperatureC: 36, powerOnHours: 31012,
      reallocatedSectors: 0, pendingSectors: 0, uncorrectableSectors: 0, smartPassed: true, lastSelfTestPassed: true,
      failingAttributes: [], exitStatus: 0, exitFlags: [], nvme: null, percentageUsed: null,
    });
    expect(r.attributes.find((a) => a.id === 194)!.raw).toBe(36);
    expect(r.attributes.find((a) => a.id === 188)!.raw).toBe(0);
    expect(smartHealth(r)).toEqual({ verdict: 'healthy', reasons: [] });
  });

  it('falls back to the low bits of raw.value when the raw string is not decimal', () => {
    const r = edited('sata-hdd-healthy.json', (doc) => {
      delete doc['temperature'];
      for (const a of doc['ata_smart_attributes']['table']) {
        if (a.id === 194) a.raw.string = '0x003300120024';
        if (a.id === 5) a.raw = { value: 2 ** 32 * 3 + 7, string: '0x000300000007' };
      }
    });
    expect(r.temperatureC).toBe(36);
    expect(r.reallocatedSectors).toBe(7);
    expect(smartHealth(r).verdict).toBe('warning');
  });

  it('warns for reallocated, pending and uncorrectable sectors', () => {
    const r = report('sata-hdd-reallocated.json');
    expect(r).toMatchObject({ reallocatedSectors: 1448, pendingSectors: 24, uncorrectableSectors: 24, temperatureC: 39, smartPassed: true });
    expect(r.exitFlags).toEqual(['errorLogHasErrors']);
    const h = smartHealth(r);
    expect(h.verdict).toBe('warning');
    expect(h.reasons).toEqual(['1448 reallocated sectors', '24 pending sectors', '24 uncorrectable sectors']);
  });

  it('takes attribute 187 for uncorrectable when 198 is absent', () => {
    const r = edited('sata-hdd-reallocated.json', (doc) => {
      doc['ata_smart_attributes']['table'] = doc['ata_smart_attributes']['table'].filter((a: { id: number }) => a.id !== 198);
    });
    expect(r.uncorrectableSectors).toBe(219);
  });

  it('calls a failed self-assessment with an attribute FAILING_NOW critical', () => {
    const r = report('sata-hdd-failed.json');
    expect(r.smartPassed).toBe(false);
    expect(r.exitStatus).toBe(88);
    expect(r.exitFlags).toEqual(['diskFailing', 'prefailAtOrBelowThreshold', 'errorLogHasErrors']);
    expect(r.failingAttributes.map((a) => [a.id, a.whenFailed, a.value, a.threshold])).toEqual([[5, 'now', 1, 5]]);
    expect(r.lastSelfTestPassed).toBe(false);
    const h = smartHealth(r);
    expect(h.verdict).toBe('critical');
    expect(h.reasons).toContain('SMART overall self-assessment FAILED');
    expect(h.reasons).toContain('attribute 5 Reallocated_Sector_Ct FAILING_NOW');
    expect(h.reasons).toContain('2014 reallocated sectors');
    expect(h.reasons).toContain('a self-test failed');
  });

  it('reads a healthy NVMe drive', () => {
    const r = report('nvme-healthy.json');
    expect(r).toMatchObject({
      protocol: 'NVMe', model: 'Samsung SSD 980 PRO 1TB', capacityBytes: 1000204886016, temperatureC: 41, powerOnHours: 6120,
      percentageUsed: 3, reallocatedSectors: null, pendingSectors: null, uncorrectableSectors: null, smartPassed: true,
    });
    expect(r.nvme).toEqual({
      criticalWarning: 0, mediaErrors: 0, percentageUsed: 3, availableSparePercent: 100, availableSpareThresholdPercent: 10,
      errorLogEntries: 1203, unsafeShutdowns: 45,
    });
    expect(smartHealth(r)).toEqual({ verdict: 'healthy', reasons: [] });
  });

  it('calls a worn, read-only NVMe drive critical and says why', () => {
    const h = smartHealth(report('nvme-read-only-worn.json'));
    expect(h.verdict).toBe('critical');
    expect(h.reasons).toEqual([
      'SMART overall self-assessment FAILED',
      'NVMe critical warning: media placed in read-only mode',
      'NVMe critical warning: available spare below threshold',
      '37 NVMe media errors',
      '112% of rated endurance used',
    ]);
  });

  it('warns on NVMe critical-warning bits, media errors, wear and heat on their own', () => {
    const warned = (edit: (doc: Record<string, any>) => void): string[] => {
      const h = smartHealth(edited('nvme-healthy.json', edit));
      expect(h.verdict).toBe('warning');
      return h.reasons;
    };
    expect(warned((d) => { d['nvme_smart_health_information_log']['critical_warning'] = 2; })).toEqual([
      'NVMe critical warning: temperature outside the allowed range',
    ]);
    expect(warned((d) => { d['nvme_smart_health_information_log']['media_errors'] = 3; })).toEqual(['3 NVMe media errors']);
    expect(warned((d) => { d['nvme_smart_health_information_log']['percentage_used'] = 90; })).toEqual(['90% of rated endurance used']);
    expect(warned((d) => { d['temperature']['current'] = 75; })).toEqual(['temperature 75 °C (warn at 70 °C)']);
    expect(smartHealth(edited('nvme-healthy.json', (d) => { d['temperature']['current'] = 65; })).verdict).toBe('healthy');
    expect(smartHealth(edited('sata-hdd-healthy.json', (d) => { d['temperature']['current'] = 61; })).reasons).toEqual([
      'temperature 61 °C (warn at 60 °C)',
    ]);
  });

  it('reads SAS grown defects and uncorrected errors', () => {
    const r = report('sas-hdd-defects.json');
    expect(r).toMatchObject({
      protocol: 'SCSI', model: 'HGST HUS726040AL5210', serial: 'K4K1ABCD', firmware: 'A7J0', temperatureC: 33, powerOnHours: 40112,
      reallocatedSectors: 12, uncorrectableSectors: 2, pendingSectors: null, smartPassed: true, smart: 'available',
    });
    expect(smartHealth(r)).toEqual({ verdict: 'warning', reasons: ['12 reallocated sectors', '2 uncorrectable sectors'] });
  });

  it('reports an unknown USB bridge as unsupported, not as an error', () => {
    const r = report('usb-unknown-bridge.json');
    expect(r.smart).toBe('unsupported');
    expect(r.smartReason).toContain('Unknown USB bridge');
    expect(r.exitFlags).toEqual(['commandLineError']);
    expect(r.device).toBeNull();
    const h = smartHealth(r);
    expect(h.verdict).toBe('unknown');
    expect(h.reasons[0]).toMatch(/no SMART data \(unsupported\).*Unknown USB bridge/);
  });

  it('reports a USB stick without SMART as unsupported, keeping its identity', () => {
    const r = report('usb-stick-no-smart.json');
    expect(r).toMatchObject({ smart: 'unsupported', model: 'SanDisk Ultra Fit', capacityBytes: 30752636928, smartPassed: null });
    expect(smartHealth(r).verdict).toBe('unknown');
  });

  it('reports a sleeping disk as standby', () => {
    const r = report('sata-hdd-standby.json');
    expect(r.smart).toBe('standby');
    expect(r.smartReason).toMatch(/STANDBY/);
    expect(r.exitFlags).toEqual(['deviceOpenFailed']);
    expect(smartHealth(r).verdict).toBe('unknown');
  });

  it('reports SMART disabled as disabled', () => {
    const r = edited('sata-hdd-healthy.json', (d) => {
      d['smart_support'] = { available: true, enabled: false };
      delete d['smart_status'];
      delete d['ata_smart_attributes'];
    });
    expect(r.smart).toBe('disabled');
    expect(smartHealth(r).verdict).toBe('unknown');
  });

  it('rejects input that is not smartctl JSON (text goes to the text reader)', () => {
    const text = fixture('smartctl', 'sata-hdd-healthy.json');
    expectParseFailed(() => parseSmartctl(''), 'smartctl', /empty/);
    expectParseFailed(() => parseSmartctl(text.slice(0, text.length / 2)), 'smartctl', /not valid JSON/);
    expectParseFailed(() => parseSmartctl('{}'), 'smartctl', /not smartctl -j output/);
    expectParseFailed(() => parseSmartctl('[1]'), 'smartctl', /object/);
    expect(parseSmartctl('smartctl 7.3 2022-02-28 r5338\n=== START OF INFORMATION SECTION ===\nDevice Model: X\n')).toMatchObject({
      model: 'X',
      smart: 'unavailable',
      smartPassed: null,
    });
  });
});

describe('smartctl exit status and verdicts', () => {
  it('decodes the exit status bitmask', () => {
    expect(decodeSmartctlExitStatus(0)).toEqual([]);
    expect(decodeSmartctlExitStatus(4)).toEqual(['smartCommandFailed']);
    expect(decodeSmartctlExitStatus(216)).toEqual(['diskFailing', 'prefailAtOrBelowThreshold', 'errorLogHasErrors', 'selfTestLogHasErrors']);
    expect(decodeSmartctlExitStatus(-1)).toEqual([]);
  });

  it('takes the worst known verdict for the host', () => {
    expect(overallVerdict([])).toBe('unknown');
    expect(overallVerdict(['unknown', 'unknown'])).toBe('unknown');
    expect(overallVerdict(['unknown', 'healthy'])).toBe('healthy');
    expect(overallVerdict(['healthy', 'warning', 'unknown'])).toBe('warning');
    expect(overallVerdict(['warning', 'critical', 'healthy'])).toBe('critical');
  });
});
