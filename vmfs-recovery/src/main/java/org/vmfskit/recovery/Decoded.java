package org.vmfskit.recovery;

import java.util.List;

/**
 * The result of a lenient decode: the value with what was noticed on the way, or the reason the
 * bytes were rejected.
 *
 * @param <T> the decoded type
 */
public sealed interface Decoded<T> permits Decoded.Ok, Decoded.Rejected {

  /**
   * A decoded value.
   *
   * @param value the value
   * @param findings what was noticed while decoding it
   */
  record Ok<T>(T value, List<Finding> findings) implements Decoded<T> {
    /** Copies the findings. */
    public Ok {
      findings = List.copyOf(findings);
    }
  }

  /**
   * Bytes that are not a valid {@code T}.
   *
   * @param reason why
   */
  record Rejected<T>(Finding reason) implements Decoded<T> {}

  static <T> Decoded<T> ok(T value) {
    return new Ok<>(value, List.of());
  }

  static <T> Decoded<T> rejected(Finding reason) {
    return new Rejected<>(reason);
  }
}
