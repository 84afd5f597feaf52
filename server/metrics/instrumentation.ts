/**
 * Records the metrics of appMetrics.ts around existing collaborators, so the OTP service, the 2Factor client and
 * the guard keep no metrics code of their own.
 */
import { AppError } from '../http/appError.js';
import type { OtpService } from '../sms/otpService.js';
import type { ProviderGuardObserver } from '../providers/providerGuard.js';
import type { TestNumbers } from '../sms/testNumbers.js';
import { ProviderError, type ProviderCallResult, type SmsOtpProvider } from '../providers/smsProvider.js';
import type { AppMetrics, ProviderOperation } from './appMetrics.js';

/** The error code an operation answered with (what clients branch on: a small fixed set). */
function outcomeOf(error: unknown): string {
  return error instanceof AppError ? error.code : 'internal_error';
}

/**
 * Counts each send by purpose and outcome, and each check by outcome. A send to a test number counts as
 * `test_number`, not `sent`: no SMS went out.
 */
export function instrumentOtpService(
  otp: OtpService,
  metrics: AppMetrics,
  testNumbers: Pick<TestNumbers, 'codeFor'>,
): OtpService {
  return {
    ...otp,
    async sendOtp(input, requester) {
      try {
        const answer = await otp.sendOtp(input, requester);
        const outcome = testNumbers.codeFor(input.phone) === undefined ? 'sent' : 'test_number';
        metrics.otpSends.inc({ purpose: input.purpose, outcome });
        return answer;
      } catch (error) {
        metrics.otpSends.inc({ purpose: input.purpose, outcome: outcomeOf(error) });
        throw error;
      }
    },
    async verifyOtp(input) {
      try {
        const result = await otp.verifyOtp(input);
        metrics.otpVerifies.inc({ outcome: 'verified' });
        return result;
      } catch (error) {
        metrics.otpVerifies.inc({ outcome: outcomeOf(error) });
        throw error;
      }
    },
  };
}

/**
 * Times every call that reaches 2Factor. Wrap the client itself (inside the guard): calls the guard holds back
 * never reach it, and are counted by the guard's observer instead.
 */
export function instrumentProvider(provider: SmsOtpProvider, metrics: AppMetrics): SmsOtpProvider {
  async function timed<T>(
    operation: ProviderOperation,
    call: () => Promise<ProviderCallResult<T>>,
  ): Promise<ProviderCallResult<T>> {
    try {
      const result = await call();
      metrics.providerDuration.observe({ operation, outcome: 'answered' }, result.responseTimeMs / 1000);
      return result;
    } catch (error) {
      if (error instanceof ProviderError && error.called) {
        metrics.providerDuration.observe({ operation, outcome: error.kind }, error.responseTimeMs / 1000);
      }
      throw error;
    }
  }
  return {
    sendOtp: (input) => timed('send_otp', () => provider.sendOtp(input)),
    verifyOtp: (input) => timed('verify_otp', () => provider.verifyOtp(input)),
    sendGivenOtp: (input, options) => timed('send_given_otp', () => provider.sendGivenOtp(input, options)),
    sendTemplateSms: (input, options) => timed('send_template', () => provider.sendTemplateSms(input, options)),
    getBalance: (account) => timed('balance', () => provider.getBalance(account)),
  };
}

/** Waits for and refusals of a slot under the request-rate ceiling. */
export function ceilingObserver(metrics: AppMetrics): ProviderGuardObserver {
  return {
    slotGranted: (waitedMs) => metrics.ceilingWait.observe(waitedMs / 1000),
    slotRefused: () => metrics.ceilingRefusals.inc(),
  };
}
