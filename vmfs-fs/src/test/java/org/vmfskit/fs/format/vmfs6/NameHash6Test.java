package org.vmfskit.fs.format.vmfs6;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The directory-name hash against the spec's worked examples (vmfs6-format.md 9.3, verified on the real image). */
class NameHash6Test {

  @Test
  void directoryInTheRoot_matchesTheRealImage() {
    long h = NameHash6.of("directory");
    assertThat(h).isEqualTo(0x5F1265850DBC9F66L);
    assertThat(NameHash6.tableIndex(h, true)).isEqualTo(15490).isEqualTo(0x3C82);
    assertThat(NameHash6.storedHash(h)).isEqualTo(0x0DBC9F66);
    assertThat(NameHash6.linkHash(h)).isEqualTo(0x0DBC);
  }

  @Test
  void file1InADirectory_matchesTheRealImage() {
    long h = NameHash6.of("file1");
    assertThat(h).isEqualTo(0x7B2720D6D2B970EBL);
    assertThat(NameHash6.tableIndex(h, false)).isEqualTo(4348).isEqualTo(0x10FC);
    assertThat(NameHash6.storedHash(h)).isEqualTo(0xD2B970EB);
  }

  @Test
  void key_ofDirectory_hasSevenNulsThenSaltInQuads2To15() {
    long[] k = NameHash6.key("directory".getBytes(StandardCharsets.US_ASCII));
    assertThat(k[0]).isEqualTo(0x726F746365726964L); // "director" little-endian
    assertThat(k[1]).isEqualTo(0x79L); // "y" + 7 NULs
    for (int q = 2; q < 16; q++) {
      assertThat(k[q]).as("quad %s", q).isEqualTo(NameHash6.SALT);
    }
    for (int q = 16; q < 32; q++) {
      assertThat(k[q]).as("quad %s", q).isZero();
    }
  }

  @ParameterizedTest(name = "a name of {0} bytes is salted from quad {1}")
  @CsvSource({"5, 1", "7, 1", "8, 2", "15, 2", "16, 3", "118, 15", "119, 15", "120, 16", "127, 16"})
  void key_saltStartsAfterTheFirstNulAndStopsAtByte127(int length, int firstSaltedQuad) {
    long[] k = NameHash6.key("x".repeat(length).getBytes(StandardCharsets.US_ASCII));
    for (int q = 0; q < 32; q++) {
      boolean salted = q >= firstSaltedQuad && q < 16;
      assertThat(k[q] == NameHash6.SALT).as("quad %s of a %s-byte name", q, length).isEqualTo(salted);
    }
  }

  @Test
  void indices_fitTheirTables() {
    for (int i = 0; i < 2000; i++) {
      long h = NameHash6.of("name-" + i);
      assertThat(NameHash6.tableIndex(h, false)).isBetween(0, NameHash6.TABLE_SLOTS - 1);
      assertThat(NameHash6.tableIndex(h, true)).isBetween(0, NameHash6.ROOT_TABLE_SLOTS - 1);
    }
    // An H above 2^63 is still taken modulo as unsigned.
    assertThat(NameHash6.tableIndex(-1L, false)).isEqualTo((int) Long.remainderUnsigned(-1L, 16001));
  }

  @Test
  void rootSystemNames_ownTheirFixedSlots() {
    assertThat(HashedDirectory6.tableIndexOf(".fbb.sf", true)).isEqualTo(15974);
    assertThat(HashedDirectory6.tableIndexOf(".sbc.sf", true)).isEqualTo(15977);
    assertThat(HashedDirectory6.tableIndexOf(".jbc.sf", true)).isEqualTo(15981);
    // Outside the root they are ordinary names.
    assertThat(HashedDirectory6.tableIndexOf(".fbb.sf", false)).isEqualTo(NameHash6.tableIndex(NameHash6.of(".fbb.sf"), false));
    assertThat(HashedDirectory6.tableIndexOf("directory", true)).isEqualTo(15490);
  }
}
