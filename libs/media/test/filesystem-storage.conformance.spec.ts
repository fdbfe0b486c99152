import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FilesystemMediaStorage } from '../src/filesystem-media-storage.js';
import { describeMediaStorageConformance } from './media-storage.contract.js';

let folder: string;
describeMediaStorageConformance(
  'Filesystem',
  async () => new FilesystemMediaStorage((folder = await mkdtemp(path.join(tmpdir(), 'media-storage-')))),
  async () => rm(folder, { recursive: true, force: true }),
);
