import { dirname } from 'node:path';
import { parseDatabaseUrl } from '../store/database-url.ts';

/** Something Recoup needs is missing or out of reach (a database, a folder, a port): one line, exit code 3. */
export class UnavailableError extends Error {}

/** What Recoup was using when an error came: the database URL and the setting (or flag) that names it. */
export interface UnavailableContext {
  readonly databaseUrl: string;
  readonly setting: string;
}

interface SystemError {
  code?: unknown;
  syscall?: unknown;
  address?: unknown;
  port?: unknown;
  message?: unknown;
  errors?: unknown;
}

/**
 * Says in one line what to fix when `error` comes from outside Recoup (the database server, the file system, a
 * port), or returns null when it does not (a bug, which keeps its stack). Names hosts, ports, databases, users
 * and paths, never a password.
 */
export function explainUnavailable(error: unknown, context: UnavailableContext): string | null {
  if (typeof error !== 'object' || error === null) return null;
  const e = error as SystemError;
  // Node reports a refused connection to every address of a name as an AggregateError of the attempts.
  const first = Array.isArray(e.errors) ? (e.errors[0] as SystemError | undefined) : undefined;
  const code = typeof e.code === 'string' ? e.code : typeof first?.code === 'string' ? first.code : '';
  const message = typeof e.message === 'string' ? e.message : '';
  if (e.syscall === 'listen') return listenProblem(code, e);
  let target: ReturnType<typeof parseDatabaseUrl>;
  try {
    target = parseDatabaseUrl(context.databaseUrl);
  } catch {
    return null;
  }
  return target.dialect === 'sqlite'
    ? sqliteProblem(code, message, target.target, context.setting)
    : postgresProblem(code, message, target.target, context.setting);
}

function listenProblem(code: string, e: SystemError): string | null {
  const at = `${String(e.address ?? '')}:${String(e.port ?? '')}`;
  const choose = 'choose another with --port or RECOUP_PORT';
  if (code === 'EADDRINUSE')
    return `cannot listen on ${at}: the port is in use: stop what uses it, or ${choose}`;
  if (code === 'EACCES')
    return `cannot listen on ${at}: permission denied (ports below 1024 need privileges): ${choose}`;
  if (code === 'EADDRNOTAVAIL')
    return `cannot listen on ${at}: this machine has no such address: choose another with --host or RECOUP_HOST`;
  return null;
}

const CONNECT_FAILURES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

// SQLSTATEs of a server that is going away or not taking connections: https://www.postgresql.org/docs/current/errcodes-appendix.html
const SERVER_GONE = new Set(['57P01', '57P02', '57P03', '53300', 'ECONNRESET', 'EPIPE']);

function postgresProblem(code: string, message: string, url: string, setting: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  const at = `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}`;
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || '(default)';
  const user = decodeURIComponent(parsed.username) || '(default)';
  const refused = CONNECT_FAILURES[code];
  if (refused) return `cannot reach PostgreSQL at ${at} (${refused}): is the server running? set ${setting}`;
  if (code === '3D000')
    return `PostgreSQL at ${at} has no database '${database}': create it (createdb ${database}) or set ${setting}`;
  if (code === '28P01')
    return `PostgreSQL at ${at} refused the password of user '${user}': check the user and password in ${setting}`;
  if (code === '28000')
    return `PostgreSQL at ${at} refused user '${user}' (${message}): check the user in ${setting} and the server's pg_hba.conf`;
  if (/^SASL:|password must be a string/.test(message))
    return `PostgreSQL at ${at} asks user '${user}' for a password: add it to ${setting}`;
  if (SERVER_GONE.has(code) || /Connection terminated|terminating connection/.test(message))
    return `lost the connection to PostgreSQL at ${at} (${message}): is the server running? set ${setting}`;
  return null;
}

function sqliteProblem(code: string, message: string, path: string, setting: string): string | null {
  const file = `SQLite database ${path}`;
  if (/directory does not exist/.test(message))
    return `cannot open ${file}: the folder ${dirname(path)} does not exist: create it or set ${setting}`;
  if (code === 'SQLITE_CANTOPEN' || code === 'EACCES')
    return `cannot open ${file} (${message}): check that its folder exists and is writable, or set ${setting}`;
  if (code.startsWith('SQLITE_READONLY'))
    return `cannot write ${file} (${message}): check the permissions of the file and its folder, or set ${setting}`;
  if (code === 'SQLITE_NOTADB')
    return `${path} is not a SQLite database: set ${setting} to a Recoup database`;
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') return `cannot write ${file}: the disk is full`;
  if (code.startsWith('SQLITE_IOERR')) return `cannot read or write ${file} (${message}): check the disk`;
  if (code.startsWith('SQLITE_BUSY'))
    return `${file} is locked by another process (${message}): try again when it is done`;
  return null;
}
