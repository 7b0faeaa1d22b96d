package org.vmfskit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each example does what it says, through vmfskit's exported API only (on the module path and the class path). */
class ExamplesTest {

  @Test
  void datastoreOnJimfs_createsWritesAndReadsBackThroughVmfsAndNio() throws Exception {
    DatastoreOnJimfs.Result result = DatastoreOnJimfs.run();
    assertThat(result.readThroughVmfs()).isEqualTo("hello from vmfskit");
    assertThat(result.readThroughNio()).isEqualTo("hello from vmfskit");
    assertThat(result.listed()).containsExactly("/iso/readme.txt");
    assertThat(result.secondWriter()).contains("image is in use by another writer");
  }

  @Test
  void tenGibInMemory_holdsAFileNearItsEnd_inAFewMegabytesOfHeap() throws Exception {
    TenGibInMemory.Result result = TenGibInMemory.run();
    assertThat(result.deviceBytes()).isEqualTo((10L << 30) + (17L << 20));
    assertThat(result.totalSpace()).isGreaterThan(9L << 30);
    assertThat(result.fileSize()).isEqualTo((9L << 30) + 7);
    assertThat(result.tail()).isEqualTo("the end");
    assertThat(result.heapBytesUsedByDevice()).isLessThan(64L << 20);
  }

  @Test
  void revertByMistake_thenRecover_givesBackTheDiskAsItWasBeforeTheRevert(@TempDir Path out) throws Exception {
    RevertAndRecover.Result result = RevertAndRecover.run(out);
    assertThat(result.afterRevert()).isNotEqualTo(result.beforeRevert());
    assertThat(result.recovered()).isEqualTo(result.beforeRevert());
    assertThat(result.imageUnchanged()).isTrue();
    assertThat(result.outputs()).anyMatch(name -> name.endsWith("-recovered-full.vmdk"));
  }

  @Test
  void eachExecutionRunsWhereItSays_theModulePathOneInModuleOrgVmfskitExamples() {
    Module module = DatastoreOnJimfs.class.getModule();
    switch (System.getProperty("examples.path", "class")) {
      case "module" -> {
        assertThat(module.getName()).isEqualTo("org.vmfskit.examples");
        Module fs = module.getLayer().findModule("org.vmfskit.fs").orElseThrow();
        assertThat(fs.isExported("org.vmfskit.fs.file")).isTrue();
        // Internals are exported only to vmfskit's own modules, not to this one.
        assertThat(fs.isExported("org.vmfskit.fs.volume", module)).isFalse();
        assertThat(fs.isExported("org.vmfskit.fs.format", module)).isFalse();
      }
      default -> assertThat(module.isNamed()).isFalse();
    }
  }
}
