import { processDefinitionOf, type Constructor, type ProcessDefinition } from '@praas/framework/internal';

/** Process classes by name, as one code version defines them. */
export type Definitions = ReadonlyMap<string, ProcessDefinition>;

/** The process classes of a module, by name. */
export function definitionsOf(processes: readonly Constructor[]): Definitions {
  const definitions = new Map<string, ProcessDefinition>();
  for (const ctor of processes) {
    const definition = processDefinitionOf(ctor);
    definitions.set(definition.name, definition);
  }
  return definitions;
}

/** The first line of an error's message: Node's module errors append a require stack of local paths. */
export function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n', 1)[0]!.trim();
}
