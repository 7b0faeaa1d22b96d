package org.vmfskit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vmfs disk info} reports the storage a disk holds: nothing for a thin disk without data,
 * the whole capacity for zeroedthick (to-be-zeroed blocks count, as ESXi and du count them) and
 * eagerzeroedthick.
 */
class DiskInfoAllocatedTest {

  @TempDir Path dir;

  @ParameterizedTest
  @CsvSource({"thin, 0, 0 B", "zeroedthick, 33554432, 32.0 MiB", "eagerzeroedthick, 33554432, 32.0 MiB"})
  void diskInfo_reportsTheAllocatedBlocks(String type, long allocated, String human) throws Exception {
    String img = dir.resolve("ds.img").toString();
    assertThat(CliRunner.run("mkfs", img, "--size", "1G", "--seed", "1").exitCode()).isZero();
    CliRunner.Run create = CliRunner.run("disk", "create", img, "d.vmdk", "--size", "32M", "--type", type);
    assertThat(create.exitCode()).as(create.stderr()).isZero();
    CliRunner.Run json = CliRunner.run("disk", "info", img, "d.vmdk", "--json");
    assertThat(new ObjectMapper().readTree(json.stdout()).get("chain").get(0).get("allocatedBytes").asLong()).isEqualTo(allocated);
    assertThat(CliRunner.run("disk", "info", img, "d.vmdk").out()).contains("  " + human + " allocated");
  }
}
