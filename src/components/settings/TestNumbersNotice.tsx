import { useQuery } from '@tanstack/react-query';
import { FlaskConicalIcon, TriangleAlertIcon } from 'lucide-react';
import type { TestNumbersView } from '../../../common/api/sms.js';
import type { ApiError } from '@/api/client';
import { getTestNumbers } from '@/api/sms/getTestNumbers';
import { Alert, AlertDescription, AlertTitle } from '@/components/ui/alert';
import { TEST_NUMBERS_QUERY_KEY } from '@/lib/queryClient';

/**
 * Settings → SMS & OTP: says so while SMS_TEST_NUMBERS is set (those numbers take a fixed code, get no SMS and
 * skip the limits), louder in production. Renders nothing otherwise, or when the list cannot be read.
 */
export function TestNumbersNotice() {
  const testNumbers = useQuery<TestNumbersView, ApiError>({
    queryKey: TEST_NUMBERS_QUERY_KEY,
    queryFn: ({ signal }) => getTestNumbers(signal),
    staleTime: Infinity,
  });
  const numbers = testNumbers.data?.numbers ?? [];
  if (numbers.length === 0) return null;
  const production = testNumbers.data?.production ?? false;
  const Icon = production ? TriangleAlertIcon : FlaskConicalIcon;

  return (
    <Alert role="status" variant={production ? 'destructive' : 'default'}>
      <Icon aria-hidden="true" />
      <AlertTitle>{production ? 'Test numbers are active in production' : 'Test numbers are active'}</AlertTitle>
      <AlertDescription>
        <p>
          {`${numbers.length === 1 ? 'This number takes its' : `These ${numbers.length} numbers take their`} fixed code from SMS_TEST_NUMBERS, get no SMS and skip the send limits: `}
          <span className="font-medium text-foreground tabular-nums">{numbers.join(', ')}</span>.
        </p>
        {production ? (
          <p>
            Anyone who knows a test number and its code can log in as its owner. Remove SMS_TEST_NUMBERS once the app
            store review is done.
          </p>
        ) : null}
      </AlertDescription>
    </Alert>
  );
}
