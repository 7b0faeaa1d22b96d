package org.vmfskit.recovery;

import it.unimi.dsi.fastutil.longs.LongOpenHashSet;
import it.unimi.dsi.fastutil.longs.LongSet;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.List;
import org.vmfskit.fs.format.AddressingMode;
import org.vmfskit.fs.format.BlockAddress;
import org.vmfskit.fs.format.FileBlockAddr;
import org.vmfskit.fs.format.FileDescriptor;
import org.vmfskit.fs.format.LittleEndian;
import org.vmfskit.fs.format.LockBlock;
import org.vmfskit.fs.format.VmfsFormatException;
import org.vmfskit.fs.volume.ResourceKind;
import org.vmfskit.fs.volume.Volume;

/**
 * For blocks a deleted delta lost to another file: whether the new owner has written them yet.
 * Built from the live FDs and their MAPs only (metadata, no file data). A block the new owner
 * still maps with the to-be-zeroed flag has not been written since it was handed out.
 */
final class OwnershipIndex {

  /** The interesting blocks whose (last seen) owner maps them to-be-zeroed. */
  private final LongOpenHashSet ownerTbz = new LongOpenHashSet();

  private OwnershipIndex() {}

  /** Walks the live FDs and records, for each block of {@code interesting}, its owner's TBZ flag. */
  static OwnershipIndex build(Volume volume, LongSet interesting, List<Finding> findings) throws IOException {
    OwnershipIndex index = new OwnershipIndex();
    if (interesting.isEmpty()) {
      return index;
    }
    BitSet free = volume.freeBits(ResourceKind.FILE_DESCRIPTOR);
    for (long i = 0; i < volume.fdCount(); i++) {
      if (free.get((int) i)) {
        continue;
      }
      try {
        long offset = volume.fdDeviceOffset(volume.fdAddressOf(i));
        ByteBuffer slot = volume.device().read(offset, FileDescriptor.SIZE);
        if (LittleEndian.u32(slot, 0) != LockBlock.MAGIC_FD) {
          continue;
        }
        long zla = LittleEndian.u32(slot, 0x244);
        for (int s = 0; s < FileDescriptor.ADDRESS_SLOTS; s++) {
          int raw = slot.getInt(FileDescriptor.DATA_OFFSET + 4 * s);
          if (zla == AddressingMode.FILE_BLOCKS.code()) {
            index.note(raw, interesting);
          } else if (zla == AddressingMode.POINTER_BLOCKS.code() && BlockAddress.typeOf(raw) == BlockAddress.TYPE_PB) {
            for (int entry : volume.readPointerBlock(raw, "MAP of a live file", offset)) {
              index.note(entry, interesting);
            }
          }
        }
      } catch (EOFException | VmfsFormatException e) {
        findings.add(Finding.warning(-1, "live FD " + i + " could not be read while looking for the new owners of reused blocks: "
            + e.getMessage()));
      }
    }
    return index;
  }

  private void note(int raw, LongSet interesting) {
    if (raw != 0 && BlockAddress.typeOf(raw) == BlockAddress.TYPE_FB) {
      long block = FileBlockAddr.blockOf(raw);
      if (interesting.contains(block)) {
        if (FileBlockAddr.isTbz(raw)) {
          ownerTbz.add(block);
        } else {
          ownerTbz.remove(block);
        }
      }
    }
  }

  /** Returns whether the block's new owner maps it to-be-zeroed (so has not written it). */
  boolean unwrittenByNewOwner(long block) {
    return ownerTbz.contains(block);
  }
}
