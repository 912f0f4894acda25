import { InvalidArgumentError } from '@praas/framework/internal';

/**
 * Refuses a REST query with a parameter `operation` does not take (`allowed`), or one given twice.
 * @throws InvalidArgumentError naming the parameter.
 */
export function checkQueryParameters(query: URLSearchParams, operation: string, allowed: readonly string[]): void {
  for (const name of query.keys())
    if (!allowed.includes(name))
      throw new InvalidArgumentError(`unknown query parameter '${name}'; ${operation} takes ${allowed.join(', ')}`, {
        parameter: name,
      });
  for (const name of allowed)
    if (query.getAll(name).length > 1) throw new InvalidArgumentError(`query parameter '${name}' is given twice`);
}
