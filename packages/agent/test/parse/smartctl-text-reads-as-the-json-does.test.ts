// smartctl's text output (smartmontools before 7.0 has no -j) gives the same
// report as its JSON: identity, capacity with any thousands separator, the
// verdict, ATA attributes with WHEN_FAILED, NVMe health, SCSI temperature,
// power-on time, grown defects and uncorrected errors, the self-test status,
// standby; anything that is not smartctl output at all is PARSE_FAILED.
import { describe, it, expect } from 'vitest';
import { parseSmartctl } from '../../src/parse/smartctl.js';
import { smartHealth } from '../../src/parse/smart-health.js';
import { expectParseFailed, fixture } from '../system-test-support.js';

const report = (name: string) => parseSmartctl(fixture('smartctl', name));

describe('smartctl text', () => {
  it('reads a healthy SATA HDD like its JSON would', () => {
    const r = report('sata-hdd-healthy-6.6.txt');
    expect(r).toMatchObject({
      device: null, protocol: 'ATA', smart: 'available', smartReason: null,
      model: 'WDC WD30EFRX-68EUZN0', serial: 'WD-WMC4N0TESTAB', firmware: '82.00A82',
      capacityBytes: 3000592982016, rotationRateRpm: 5400, temperatureC: 33, powerOnHours: 38211,
      reallocatedSectors: 0, pendingSectors: 0, uncorrectableSectors: 0, smartPassed: true, lastSelfTestPassed: true,
      failingAttributes: [], nvme: null, exitStatus: null,
    });
    expect(r.attributes.map((a) => a.id)).toEqual([1, 5, 9, 194, 197, 198]);
    expect(r.attributes.find((a) => a.id === 5)).toEqual({ id: 5, name: 'Reallocated_Sector_Ct', value: 200, worst: 200, threshold: 140, raw: 0, whenFailed: null });
    expect(smartHealth(r).verdict).toBe('healthy');
  });

  it('reads a failing disk: FAILED!, FAILING_NOW and In_the_past, a failed self-test, packed raw values', () => {
    const r = report('sata-hdd-failing-6.6.txt');
    expect(r).toMatchObject({
      smartPassed: false, lastSelfTestPassed: false, capacityBytes: 2000398934016, temperatureC: 39, powerOnHours: 46712,
      reallocatedSectors: 3960, pendingSectors: 8, uncorrectableSectors: 8,
    });
    expect(r.failingAttributes.map((a) => [a.id, a.whenFailed])).toEqual([
      [5, 'now'],
      [184, 'past'],
    ]);
    const health = smartHealth(r);
    expect(health.verdict).toBe('critical');
    expect(health.reasons).toContain('SMART overall self-assessment FAILED');
  });

  it('reads NVMe health lines and SCSI temperature, power-on time, defects and the error counter log', () => {
    expect(report('nvme-healthy-6.6.txt')).toMatchObject({
      protocol: 'NVMe', model: 'Samsung SSD 970 EVO Plus 500GB', capacityBytes: 500107862016, temperatureC: 41, powerOnHours: 9876, percentageUsed: 7,
      nvme: { criticalWarning: 4, mediaErrors: 0, percentageUsed: 7, availableSparePercent: 100, availableSpareThresholdPercent: 10, errorLogEntries: 3, unsafeShutdowns: 21 },
    });
    expect(report('sas-hdd-defects-6.6.txt')).toMatchObject({
      protocol: 'SCSI', model: 'SEAGATE ST4000NM0023', serial: 'Z1Z0TESTAB', firmware: 'GS0F', capacityBytes: 4000787030016,
      temperatureC: 41, powerOnHours: 31250, reallocatedSectors: 12, uncorrectableSectors: 3, smartPassed: true,
    });
  });

  it('a sleeping disk is standby with smartctl\'s message; other text is PARSE_FAILED', () => {
    expect(report('sata-hdd-standby-6.6.txt')).toMatchObject({ smart: 'standby', smartReason: 'Device is in STANDBY mode, exit(2)', smartPassed: null, attributes: [] });
    expectParseFailed(() => parseSmartctl('=======> UNRECOGNIZED OPTION: j\n'), 'smartctl', /neither smartctl JSON nor smartctl text/);
    expectParseFailed(() => parseSmartctl('Smartctl open device: /dev/sdz failed: No such device\n'), 'smartctl', /neither smartctl JSON nor smartctl text/);
  });
});
