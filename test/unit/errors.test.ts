import { describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  DeletionNotAllowed,
  describeError,
  InvalidInput,
  InvalidKmsKey,
  isAwsError,
  isVaultNotFound,
  MigrationError,
  MigrationIncomplete,
  NAMED_ERRORS,
  PermissionDenied,
  PlanUpdateFailed,
  SourceVaultNotFound,
  SourceVaultRetained,
  TargetVaultConflict,
  TargetVaultNotVerified,
  UnsupportedVaultType,
} from '#shared/errors.ts';

const instances: MigrationError[] = [
  new InvalidInput('x'),
  new SourceVaultNotFound('x'),
  new InvalidKmsKey('x'),
  new TargetVaultConflict('x'),
  new UnsupportedVaultType('x'),
  new DeletionNotAllowed('x'),
  new TargetVaultNotVerified('x'),
  new PlanUpdateFailed('x'),
  new MigrationIncomplete('x', 3),
  new SourceVaultRetained('x', ['vault lock']),
  new ConfigurationError('x'),
  new PermissionDenied('x'),
];

/** An error shaped like the ones SDK v3 throws (ServiceException subclasses). */
function sdkError(name: string, httpStatusCode: number): Error {
  return Object.assign(new Error('service said no'), { name, $metadata: { httpStatusCode } });
}

describe('named errors', () => {
  it('gives every listed name exactly one error class', () => {
    expect(instances.map((error) => error.name).sort()).toEqual([...NAMED_ERRORS].sort());
  });

  it('reports the class name as the error name, which Lambda uses as errorType', () => {
    const error = new TargetVaultConflict('legacy-encrypted exists with another key');
    expect(error.name).toBe('TargetVaultConflict');
    expect(String(error)).toBe('TargetVaultConflict: legacy-encrypted exists with another key');
  });

  it('keeps the name as an own property so it survives serialization of the error', () => {
    const error = new InvalidKmsKey('disabled');
    expect(Object.hasOwn(error, 'name')).toBe(true);
    expect(JSON.parse(JSON.stringify({ ...error })).name).toBe('InvalidKmsKey');
  });

  it('makes every named error an Error and a MigrationError', () => {
    for (const error of instances) {
      expect(error).toBeInstanceOf(Error);
      expect(error).toBeInstanceOf(MigrationError);
    }
  });

  it('keeps the cause passed to a named error', () => {
    const cause = new Error('AccessDeniedException');
    expect(new PlanUpdateFailed('plan p1', { cause }).cause).toBe(cause);
  });

  it('carries the number of unverified recovery points on MigrationIncomplete', () => {
    expect(new MigrationIncomplete('3 without copies', 3).unverifiedRecoveryPoints).toBe(3);
  });

  it('carries a copy of the reasons on SourceVaultRetained', () => {
    const reasons = ['vault lock until 2030-01-01', '2 recovery points under legal hold'];
    const error = new SourceVaultRetained('kept', reasons);
    reasons.push('changed later');
    expect(error.reasons).toEqual(['vault lock until 2030-01-01', '2 recovery points under legal hold']);
  });
});

describe('isAwsError', () => {
  it('recognises an SDK error by its name', () => {
    expect(isAwsError(sdkError('AlreadyExistsException', 400), 'AlreadyExistsException')).toBe(true);
  });

  it('accepts any of several names', () => {
    expect(
      isAwsError(sdkError('LimitExceededException', 400), 'ThrottlingException', 'LimitExceededException'),
    ).toBe(true);
  });

  it('rejects an error with another name', () => {
    expect(isAwsError(sdkError('InvalidRequestException', 400), 'ResourceNotFoundException')).toBe(false);
  });

  it('rejects values that are not errors', () => {
    expect(isAwsError(undefined, 'ResourceNotFoundException')).toBe(false);
    expect(isAwsError('ResourceNotFoundException', 'ResourceNotFoundException')).toBe(false);
    expect(isAwsError({ name: 42 }, 'ResourceNotFoundException')).toBe(false);
  });

  it('recognises a plain object with the name, as errors cross bundles and processes', () => {
    expect(isAwsError({ name: 'ConflictException', message: 'busy' }, 'ConflictException')).toBe(true);
  });
});

describe('isVaultNotFound', () => {
  it('treats ResourceNotFoundException as a missing vault', () => {
    expect(isVaultNotFound(sdkError('ResourceNotFoundException', 400))).toBe(true);
  });

  it('treats HTTP 403 AccessDeniedException as a missing vault, as AWS Backup answers both ways', () => {
    expect(isVaultNotFound(sdkError('AccessDeniedException', 403))).toBe(true);
  });

  it('does not treat throttling as a missing vault', () => {
    expect(isVaultNotFound(sdkError('ThrottlingException', 400))).toBe(false);
  });

  it('does not treat the internal error code a body may carry as a missing vault', () => {
    expect(isVaultNotFound(sdkError('ERROR_9101', 400))).toBe(false);
  });
});

describe('describeError', () => {
  it('describes an error by name and message', () => {
    expect(describeError(new InvalidInput('sourceVaultName: is required'))).toBe(
      'InvalidInput: sourceVaultName: is required',
    );
  });

  it('describes a thrown non-error as text', () => {
    expect(describeError('boom')).toBe('boom');
  });
});
