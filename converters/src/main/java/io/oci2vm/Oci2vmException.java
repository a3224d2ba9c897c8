package io.oci2vm;

import java.util.Objects;

/** An error a user can hit, with a stable {@link ErrorCode} and a message that says what to do. */
public class Oci2vmException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;

  /** Creates an exception with a code and a message. */
  public Oci2vmException(ErrorCode code, String message) {
    this(code, message, null);
  }

  /** Creates an exception with a code, a message and the cause. */
  public Oci2vmException(ErrorCode code, String message, Throwable cause) {
    super(message, cause);
    this.code = Objects.requireNonNull(code, "code was not specified");
  }

  /** The stable error code. */
  public ErrorCode code() {
    return code;
  }

  @Override
  public String getMessage() {
    return code + ": " + super.getMessage();
  }

  /** The message without the code prefix. */
  public String detail() {
    return super.getMessage();
  }
}
