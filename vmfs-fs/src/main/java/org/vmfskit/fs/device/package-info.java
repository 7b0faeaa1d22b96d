/** Block devices: positional byte storage and its decorators; they know no structures. */
package org.vmfskit.fs.device;
