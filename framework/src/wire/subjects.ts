import { isValidName, validateName } from './names';

/*
 * Every NATS subject and KV key of the system is built here and nowhere else. Each token is a
 * validated name, so no caller can inject a '.', '*' or '>' into a subject.
 */
const ROOT = 'praas';

/** The data-plane address of a process: invocations and messages to it, one subscription. */
export function processSubject(app: string, pid: string): string {
  return `${ROOT}.${validateName('application', app)}.p.${validateName('pid', pid)}`;
}

/** The application and pid a process subject names; undefined for any other subject. */
export function parseProcessSubject(subject: string): { app: string; pid: string } | undefined {
  const parts = subject.split('.');
  if (parts.length !== 4 || parts[0] !== ROOT || parts[2] !== 'p') return undefined;
  const [, app, , pid] = parts as [string, string, string, string];
  return isValidName(app) && isValidName(pid) ? { app, pid } : undefined;
}

/** The backup-queue subject of a process: where traffic waits while it is swapped out. */
export function backupSubject(app: string, pid: string): string {
  return `${ROOT}.${validateName('application', app)}.backup.${validateName('pid', pid)}`;
}

/** All backup-queue subjects of an application (a stream's subject filter). */
export function backupSubjectsOf(app: string): string {
  return `${ROOT}.${validateName('application', app)}.backup.>`;
}

/** Control requests to one runtime host (create, activate, swap, delete processes). */
export function hostSubject(app: string, hostId: string): string {
  return `${ROOT}.${validateName('application', app)}.host.${validateName('host id', hostId)}`;
}

/** Activation requests that any host of the application may take (a queue group). */
export function activationSubject(app: string): string {
  return `${ROOT}.${validateName('application', app)}.activate`;
}

/** Queue-group name shared by an application's hosts for activation requests. */
export function activationQueue(app: string): string {
  return `hosts-${validateName('application', app)}`;
}

/** JetStream stream that holds an application's backup queues. */
export function backupStreamName(app: string): string {
  return `PRAAS_BACKUP_${validateName('application', app)}`;
}

/** Inbox prefix for replies to invocations that wait in a backup queue. */
export function replySubject(app: string, id: string): string {
  return `${ROOT}.${validateName('application', app)}.reply.${validateName('message key', id)}`;
}

/**
 * The inbox prefix of an application's hosts (nats.js `inboxPrefix`): replies to their requests,
 * JetStream API answers and consumer deliveries come here, so that the NATS user of one
 * application may subscribe to its own inboxes only.
 */
export function appInboxPrefix(app: string): string {
  return `_INBOX_${validateName('application', app)}`;
}
