package org.vmfskit.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** The one JSON writer of the CLI: pretty, stable field order, records as objects. */
final class Json {

  private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private Json() {}

  /** Returns {@code value} as indented JSON. */
  static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON for " + value.getClass(), e);
    }
  }

  /** Returns the fields of {@code value} (a record) as an ordered map, to add fields beside them. */
  @SuppressWarnings("unchecked")
  static java.util.Map<String, Object> fields(Object value) {
    return MAPPER.convertValue(value, java.util.LinkedHashMap.class);
  }
}
