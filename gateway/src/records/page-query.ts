import { InvalidArgumentError, type ProcessPageQuery } from '@praas/framework/internal';
import { checkQueryParameters } from './query-parameters';
import { PROCESS_PAGE_PARAMETERS, PROCESS_PAGE_QUERY_FIELDS } from './record-fields';

type PageField = keyof typeof PROCESS_PAGE_QUERY_FIELDS;
const FIELDS = Object.keys(PROCESS_PAGE_QUERY_FIELDS) as PageField[];

/**
 * A page query from its fields as strings: REST query parameters, or gRPC fields (absent as ''
 * or 0). The registry checks the values (limit range, status, names, cursor).
 * @throws InvalidArgumentError for a limit that is not a number.
 */
export function pageQuery(value: (field: PageField) => string | undefined): ProcessPageQuery {
  const query: Record<string, string | number> = {};
  for (const field of FIELDS) {
    const raw = value(field);
    if (raw === undefined || raw === '') continue;
    if (PROCESS_PAGE_QUERY_FIELDS[field] === 'optional-int') {
      if (!/^\d+$/.test(raw))
        throw new InvalidArgumentError(`${PROCESS_PAGE_PARAMETERS[field]} must be a positive integer, got '${raw}'`, {
          [field]: raw,
        });
      query[field] = Number(raw);
    } else query[field] = raw;
  }
  return query;
}

/** A page query from the REST query (`limit`, `cursor`, `status`, `class`, `host`); anything else is refused. */
export function restPageQuery(query: URLSearchParams): ProcessPageQuery {
  checkQueryParameters(query, 'list processes', Object.values(PROCESS_PAGE_PARAMETERS));
  return pageQuery((field) => query.get(PROCESS_PAGE_PARAMETERS[field]) ?? undefined);
}
