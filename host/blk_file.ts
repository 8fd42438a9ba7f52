/**
 * blk_backend_file.ts — a virtio-blk backend over a host image file (QEMU's
 * `-drive file=IMG,format=raw`): sectors are read and written in place, a flush is fsync.
 *
 * Rules: the one arch/ file that does host file I/O (tests/layering_rules.ts allows it).
 * The file is opened read-write unless asked read-only or the host refuses write access,
 * in which case it is opened read-only (and the disk says so). A missing Deno permission
 * is an error saying which flag would allow it; a trailing partial sector is not
 * addressable. I/O is synchronous, so the simulation stays deterministic.
 */
import { type BlkBackend, VIRTIO_BLK_SECTOR_SIZE } from "../arch/virtio/blk.ts";

export interface FileBlkOptions {
  /** Open read-only even if the file is writable. */
  readOnly?: boolean;
}

export class FileBlkBackend implements BlkBackend {
  readonly sectors: number;
  readonly readOnly: boolean;
  #file: Deno.FsFile | null;

  private constructor(readonly path: string, file: Deno.FsFile, readOnly: boolean) {
    this.#file = file;
    this.readOnly = readOnly;
    this.sectors = Math.floor(file.statSync().size / VIRTIO_BLK_SECTOR_SIZE);
  }

  /** Opens the image at `path`; throws an Error with a one-line reason. */
  static open(path: string, opts: FileBlkOptions = {}): FileBlkBackend {
    let file: Deno.FsFile;
    let readOnly = opts.readOnly ?? false;
    try {
      if (!readOnly) {
        try {
          file = Deno.openSync(path, { read: true, write: true });
        } catch (e) {
          if (!(e instanceof Deno.errors.PermissionDenied)) throw e;
          readOnly = true; // the host will not let us write: a read-only disk
          file = Deno.openSync(path, { read: true });
        }
      } else {
        file = Deno.openSync(path, { read: true });
      }
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) throw new Error(`${path}: no such file`);
      if (e instanceof Deno.errors.NotCapable) {
        throw new Error(
          `${path}: no permission to ${readOnly ? "read" : "read and write"} it ` +
            `(run deno with --allow-read/--allow-write covering it)`,
        );
      }
      throw new Error(`${path}: ${(e as Error).message}`);
    }
    const st = file.statSync();
    if (!st.isFile) {
      file.close();
      throw new Error(`${path}: not a regular file`);
    }
    return new FileBlkBackend(path, file, readOnly);
  }

  #f(): Deno.FsFile {
    if (!this.#file) throw new Error(`${this.path}: closed`);
    return this.#file;
  }

  read(sector: number, buf: Uint8Array): void {
    const f = this.#f();
    f.seekSync(sector * VIRTIO_BLK_SECTOR_SIZE, Deno.SeekMode.Start);
    let at = 0;
    while (at < buf.length) {
      const n = f.readSync(buf.subarray(at));
      if (n === null || n === 0) break;
      at += n;
    }
    buf.fill(0, at); // past the file's end reads as zeros
  }

  write(sector: number, data: Uint8Array): void {
    if (this.readOnly) throw new Error(`${this.path}: read-only`);
    const f = this.#f();
    f.seekSync(sector * VIRTIO_BLK_SECTOR_SIZE, Deno.SeekMode.Start);
    let at = 0;
    while (at < data.length) at += f.writeSync(data.subarray(at));
  }

  flush(): void {
    if (!this.readOnly) this.#f().syncSync();
  }

  /** Flushes and closes the file (the machine is done with the disk). */
  close(): void {
    if (!this.#file) return;
    this.flush();
    this.#file.close();
    this.#file = null;
  }
}
