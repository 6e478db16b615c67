import { describeFolderMode, firstFolderNotEntered, FolderMode } from './embedded-postgres';

const ROOT = 0;
const POSTGRES = { uid: 101, gids: [104, 103] };

/** A made-up file system: folder -> mode, owner and group. */
function tree(entries: Record<string, [number, number, number]>): (folder: string) => FolderMode | null {
  return (folder) => {
    const entry = entries[folder];
    return entry ? { mode: 0o040000 | entry[0], uid: entry[1], gid: entry[2] } : null;
  };
}

describe('firstFolderNotEntered (which folder keeps the postgres user out)', () => {
  it('finds a 0700 folder owned by root above the target, as with a clone under /root', () => {
    const stat = tree({ '/': [0o755, ROOT, 0], '/root': [0o700, ROOT, 0], '/root/app': [0o755, ROOT, 0], '/root/app/.data': [0o755, ROOT, 0] });
    expect(firstFolderNotEntered('/root/app/.data', POSTGRES, stat)).toEqual({ folder: '/root', mode: { mode: 0o040700, uid: ROOT, gid: 0 } });
  });

  it('lets through a 0755 path, and folders the user enters as owner or as a member of the group', () => {
    expect(firstFolderNotEntered('/srv/app/.data', POSTGRES, tree({ '/': [0o755, ROOT, 0], '/srv': [0o755, ROOT, 0], '/srv/app': [0o755, ROOT, 0], '/srv/app/.data': [0o711, ROOT, 0] }))).toBeNull();
    expect(firstFolderNotEntered('/home/pg', POSTGRES, tree({ '/': [0o755, ROOT, 0], '/home': [0o755, ROOT, 0], '/home/pg': [0o700, 101, 104] }))).toBeNull();
    expect(firstFolderNotEntered('/shared', POSTGRES, tree({ '/': [0o755, ROOT, 0], '/shared': [0o750, ROOT, 103] }))).toBeNull();
  });

  it('reads the bit that applies: owner bits for the owner, group bits for a member, others otherwise', () => {
    // Others may enter, but the postgres user owns it without the owner's x bit.
    expect(firstFolderNotEntered('/odd', POSTGRES, tree({ '/': [0o755, ROOT, 0], '/odd': [0o601, 101, 0] }))?.folder).toBe('/odd');
    // Group 104 without x, although others have it.
    expect(firstFolderNotEntered('/grp', POSTGRES, tree({ '/': [0o755, ROOT, 0], '/grp': [0o745, ROOT, 104] }))?.folder).toBe('/grp');
  });

  it('stops at the first folder that does not exist yet (it will be created for the server)', () => {
    expect(firstFolderNotEntered('/srv/new/deeper', POSTGRES, tree({ '/': [0o755, ROOT, 0], '/srv': [0o755, ROOT, 0] }))).toBeNull();
  });
});

describe('describeFolderMode', () => {
  it('writes the mode as octal and as ls does, with the owner names', () => {
    const names = { user: (uid: number) => (uid === 0 ? 'root' : String(uid)), group: (gid: number) => (gid === 0 ? 'root' : String(gid)) };
    expect(describeFolderMode({ mode: 0o040700, uid: 0, gid: 0 }, names)).toBe('mode 0700 drwx------, owner root:root');
    expect(describeFolderMode({ mode: 0o040751, uid: 5, gid: 0 }, names)).toBe('mode 0751 drwxr-x--x, owner 5:root');
  });
});
