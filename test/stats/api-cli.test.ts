// POST /v1/stats/compare and `ifthen stats compare` against the real server on loopback (the CLI as a child process).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import { startTestServer, type InProcessServer } from '../support/server.ts';
import { runCli } from '../cli/cli.ts';
import { ComparisonAnswer } from '../../src/api/schemas/stats.ts';
import { compare } from '../../src/stats/compare.ts';

describe('the statistics calculator', () => {
  let server: InProcessServer;
  before(async () => { server = await startTestServer(); });
  after(async () => { await server?.stop(); });
  const post = (body: unknown, token?: string | null) => server.request('POST', '/v1/stats/compare', body, token === undefined ? {} : { token });

  it('compares conversions: the issue\'s example, every part named as the issue names it, matching its schema', async () => {
    const answer = await post({ control: { n: 2000, conversions: 200 }, treatment: { n: 2000, conversions: 260 } });
    assert.equal(answer.status, 200, answer.text);
    const body = answer.body;
    assert.ok(Value.Check(ComparisonAnswer, answer.body), [...Value.Errors(ComparisonAnswer, answer.body)].map((e) => `${e.path} ${e.message}`).join('; '));
    assert.deepEqual(body.groups.control, { exposed: 2000, converters: 200, rate: 0.1, mean: 0.1, variance: 0.1 * 0.9 });
    assert.equal(body.metric, 'conversion');
    assert.ok(Math.abs(body.lift.absolute.estimate - 0.03) < 1e-12);
    assert.ok(Math.abs(body.lift.relative.estimate - 0.3) < 1e-12);
    assert.ok(body.p_value < 0.01, 'fixed-horizon z-test: p ≈ 0.0029');
    assert.equal(body.srm.flagged, false);
    assert.equal(body.cuped, null);
    assert.match(body.verdict_basis, /always-valid .* absolute difference/);
    // The same numbers the pure function gives: the route adds nothing but the checks of its body.
    assert.deepEqual(body, JSON.parse(JSON.stringify(compare({ metric: 'conversion', control: { n: 2000, sum: 200, sum_squares: 200 }, treatment: { n: 2000, sum: 260, sum_squares: 260 } }))));
    assert.match(body.summary, /^no detectable effect yet \(\+3\.0 points of conversion so far, 95 % always-valid interval -0\.1 to 6\.1\); about [\d,]+ more exposures are needed to detect \+1 point$/);
  });

  it('a clear effect is "helped", and the same increase of a guardrail is "hurt"', async () => {
    const data = { control: { n: 10000, conversions: 1000 }, treatment: { n: 10000, conversions: 1200 } };
    const helped = (await post(data)).body;
    assert.equal(helped.verdict, 'helped');
    assert.match(helped.summary, /^\+2\.0 points of conversion, 95 % always-valid interval [\d.]+ to [\d.]+: the rule helps$/);
    const hurt = (await post({ ...data, higher_is_better: false })).body;
    assert.equal(hurt.verdict, 'hurt');
    assert.match(hurt.summary, /the rule hurts$/);
  });

  it('compares values from sums (gbstats V1), with a configured split and an SRM', async () => {
    const answer = await post({ control: { n: 3407, sum: 1396.87, sum_squares: 52377.9767 }, treatment: { n: 3461, sum: 2422.7, sum_squares: 134698.29 } });
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.body.metric, 'value');
    assert.ok(Math.abs(answer.body.p_value - 0.02016) < 5e-6);
    assert.equal(answer.body.groups.control.converters, undefined);
    const skewed = (await post({ control: { n: 1200, conversions: 120 }, treatment: { n: 8800, conversions: 900 }, expected_split: { control: 10, treatment: 90 } })).body;
    assert.equal(skewed.srm.flagged, true);
    assert.equal(skewed.verdict, 'invalid');
    assert.match(skewed.summary, /^sample-ratio mismatch: 12\.0 % of subjects are in the control group where 10\.0 % were expected/);
    const few = (await post({ control: { n: 40, conversions: 4 }, treatment: { n: 40, conversions: 9 } })).body;
    assert.equal(few.verdict, 'invalid');
    assert.match(few.summary, /^too few matured subjects: 40 in control and 40 in treatment; at least 100 per group are needed/);
  });

  it('takes a CUPED covariate', async () => {
    const arm = (shift: number) => ({ n: 1000, sum: 1000 * (5 + shift), sum_squares: 1000 * ((5 + shift) ** 2 + 4), pre: { sum: 3000, sum_squares: 1000 * (9 + 2), sum_products: 1000 * (3 * (5 + shift) + 2.5) } });
    const body = (await post({ control: arm(0), treatment: arm(0.3) })).body;
    assert.ok(body.cuped.variance_reduction > 0.7, JSON.stringify(body.cuped));
    assert.equal(body.cuped.pre_exposure_imbalance, false);
  });

  it('answers 400 naming the path and the reason', async () => {
    const cases: [unknown, RegExp][] = [
      [{ control: { n: 100, conversions: 101 }, treatment: { n: 100, conversions: 5 } }, /control\.conversions: must not exceed n \(101 > 100\)/],
      [{ control: { n: 1, conversions: 0 }, treatment: { n: 100, conversions: 5 } }, /control\.n: must be at least 2/],
      [{ control: { n: 100, conversions: -1 }, treatment: { n: 100, conversions: 5 } }, /control\.conversions: must be at least 0/],
      [{ control: { n: 100, sum: 50, sum_squares: 10 }, treatment: { n: 100, sum: 50, sum_squares: 60 } }, /control\.sum_squares: must be at least sum²\/n \(25\)/],
      [{ control: { n: 100, sum: 50, sum_squares: -3 }, treatment: { n: 100, sum: 50, sum_squares: 60 } }, /control\.sum_squares: must be at least 0/],
      [{ control: { n: 100, conversions: 5 }, treatment: { n: 100, sum: 5, sum_squares: 5 } }, /treatment: must use the same form as control/],
      [{ control: { n: 100 }, treatment: { n: 100, conversions: 5 } }, /control: needs conversions, or sum and sum_squares/],
      [{ control: { n: 100, conversions: 5 } }, /treatment: is required/],
      [{ control: { n: 100, conversions: 5 }, treatment: { n: 100, conversions: 5 }, alpha: 0.9 }, /alpha: must be at most 0\.5/],
    ];
    for (const [body, message] of cases) {
      const answer = await post(body);
      assert.equal(answer.status, 400, `${JSON.stringify(body)} → ${answer.text}`);
      assert.equal(answer.body.error.code, 'IFTHEN_ERR_INVALID_BODY');
      assert.match(answer.body.error.message, message);
    }
  });

  it('needs the admin token, like the other read routes', async () => {
    assert.equal((await post({ control: { n: 100, conversions: 5 }, treatment: { n: 100, conversions: 5 } }, null)).status, 401);
  });

  it('is documented in OpenAPI with its body and answer', async () => {
    const docs = (await server.request('GET', '/docs/json', undefined, { token: null })).body;
    const operation = docs.paths['/v1/stats/compare'].post;
    assert.ok(operation.requestBody.content['application/json'].schema);
    assert.ok(operation.responses['200'].content['application/json'].schema);
  });

  describe('ifthen stats compare', () => {
    const cli = (args: string[]) => runCli(['stats', 'compare', ...args], { url: server.url });

    it('prints the groups, each number in words, and the verdict sentence', async () => {
      const r = await cli(['--control', '1000/10000', '--treatment', '1200/10000']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^COMPARE {2}conversion$/m);
      assert.match(r.stdout, /^control {4}10,000 {3}1,000 {7}10\.0 %$/m);
      assert.match(r.stdout, /^treatment {2}10,000 {3}1,200 {7}12\.0 %$/m);
      assert.match(r.stdout, /^lift +\+2\.0 points, 95 % interval 1\.1 to 2\.9$/m);
      assert.match(r.stdout, /^relative lift +\+20\.0 %, 95 % interval/m);
      assert.match(r.stdout, /^sample ratio +50\.0 % in control, 50\.0 % expected, p = 1\.0: ok$/m);
      assert.match(r.stdout, /^verdict {2}HELPED$/m);
      assert.match(r.stdout, /: the rule helps$/m);
    });

    it('takes values and a split; --json prints the body', async () => {
      const r = await cli(['--control-n', '3407', '--control-sum', '1396.87', '--control-sum-squares', '52377.9767',
        '--treatment-n', '3461', '--treatment-sum', '2422.7', '--treatment-sum-squares', '134698.29', '--split', '50:50', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const body = JSON.parse(r.stdout);
      assert.equal(body.metric, 'value');
      assert.ok(Math.abs(body.lift.absolute.estimate - 0.29) < 1e-9);
      const words = await cli(['--control-n', '3407', '--control-sum', '1396.87', '--control-sum-squares', '52377.9767',
        '--treatment-n', '3461', '--treatment-sum', '2422.7', '--treatment-sum-squares', '134698.29']);
      assert.match(words.stdout, /^COMPARE {2}value per subject$/m);
      assert.match(words.stdout, /^lift +\+0\.290, 95 % interval 0\.0454 to 0\.535$/m);
    });

    it('says what is wrong with its arguments, and what the server refused', async () => {
      const usage = await cli(['--control', '200-2000', '--treatment', '260/2000']);
      assert.equal(usage.code, 2, usage.stderr);
      assert.match(usage.stderr, /--control: write converters\/exposed, e.g\. 200\/2000; got "200-2000"/);
      const refused = await cli(['--control', '300/200', '--treatment', '260/2000']);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /control\.conversions: must not exceed n \(300 > 200\)/);
    });
  });
});
