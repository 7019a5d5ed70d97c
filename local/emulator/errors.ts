/**
 * An error as AWS sends it: HTTP status, the `x-amzn-ErrorType` header (which the SDK reads first),
 * and a body with `Message` and, for AWS Backup, an internal `Code` that may differ from the name.
 */
export class AwsError extends Error {
  constructor(
    readonly errorType: string,
    message: string,
    readonly status = 400,
    readonly code?: string,
  ) {
    super(message);
    this.name = errorType;
  }
}

export const notFound = (message: string) => new AwsError('ResourceNotFoundException', message);
export const invalidParameter = (message: string) => new AwsError('InvalidParameterValueException', message);
export const missingParameter = (message: string) => new AwsError('MissingParameterValueException', message);
export const invalidRequest = (message: string, code?: string) =>
  new AwsError('InvalidRequestException', message, 400, code);
export const alreadyExists = (message: string) => new AwsError('AlreadyExistsException', message);
export const limitExceeded = (message: string) => new AwsError('LimitExceededException', message);
export const throttled = () => new AwsError('ThrottlingException', 'Rate exceeded');
export const accessDenied = () =>
  new AwsError('AccessDeniedException', 'Insufficient privileges to perform this action.', 403);
export const serialization = (message: string) => new AwsError('SerializationException', message);

/** The internal code AWS Backup puts in the body when a non-empty vault is deleted. */
export const NON_EMPTY_VAULT_CODE = 'ERROR_9101';
