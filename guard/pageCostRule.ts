import {
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  isInterfaceType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationRule,
  type ValueNode,
} from "graphql";
import { LIST_SIZES } from "./listSizes.js";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "./pageSize.js";
import { queryLimitError } from "./queryLimitError.js";

export type PageCostOptions = {
  maxCost: number;
  /** The request's variables, so `first: $n` counts what the client sent. */
  variables?: Readonly<Record<string, unknown>> | null | undefined;
  /** Page size of a paginated field without `first` and without a default in the schema. */
  defaultPageSize?: number;
  /** Larger `first` values count as this (the resolver refuses them anyway, with a clearer message). */
  maxPageSize?: number;
  /** `Type.field` → how many items a list without `first` holds at most (default `LIST_SIZES`). */
  listSizes?: Readonly<Record<string, number>>;
};

const PAGE_ARGUMENTS = ["first", "last"];

/**
 * The cost limit: an upper bound on how many fields a query resolves. Every field counts 1; the fields under a
 * paginated field (one with a `first` or `last` argument in the schema or the query) count once per item of its page,
 * so nested pages multiply: `certificates(first: 10) { edges { node { provider { certificates(first: 10) { … } } } } }`
 * costs about 10 × 10 per field of the inner page. The page size is the literal, the variable's value (or the
 * variable's default), else the argument's default in the schema, else `defaultPageSize`; it is capped at
 * `maxPageSize`. A list without `first` whose length another bound caps (`listSizes`: a metrics window's buckets)
 * multiplies by that cap. Fragments are expanded (each fragment is costed once and reused, so fragment bombs stay
 * linear); unknown fields still count 1.
 */
export function pageCostRule(options: PageCostOptions): ValidationRule {
  return (context) => ({
    OperationDefinition(operation) {
      const cost = operationCost(
        context.getSchema(),
        operation,
        (name) => context.getFragment(name),
        options,
      );
      if (cost > options.maxCost)
        context.reportError(queryLimitError("maxCost", options.maxCost, cost, [operation]));
      return false;
    },
  });
}

/** The cost `pageCostRule` compares with `maxCost`; saturates at Number.MAX_SAFE_INTEGER. */
export function operationCost(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  getFragment: (name: string) => FragmentDefinitionNode | null | undefined,
  {
    variables,
    defaultPageSize = DEFAULT_PAGE_SIZE,
    maxPageSize = MAX_PAGE_SIZE,
    listSizes = LIST_SIZES,
  }: Omit<PageCostOptions, "maxCost">,
): number {
  const fragmentCosts = new Map<string, number>();
  const inProgress = new Set<string>();
  const saturate = (n: number) => Math.min(n, Number.MAX_SAFE_INTEGER);

  const variableValue = (name: string): unknown => {
    if (variables && Object.hasOwn(variables, name)) return variables[name];
    const definition = operation.variableDefinitions?.find((v) => v.variable.name.value === name);
    return definition?.defaultValue ? literal(definition.defaultValue) : undefined;
  };
  const literal = (node: ValueNode): unknown => {
    if (node.kind === Kind.INT) return Number(node.value);
    if (node.kind === Kind.NULL) return null;
    if (node.kind === Kind.VARIABLE) return variableValue(node.name.value);
    return Number.NaN;
  };

  const pageSize = (
    field: FieldNode,
    definition: GraphQLField<unknown, unknown> | undefined,
    parent: GraphQLNamedType | undefined,
  ): number => {
    const argument = field.arguments?.find((a) => PAGE_ARGUMENTS.includes(a.name.value));
    const argumentDefinition = definition?.args.find((a) =>
      argument ? a.name === argument.name.value : PAGE_ARGUMENTS.includes(a.name),
    );
    if (!argument && !argumentDefinition) return listSizes[`${parent?.name}.${field.name.value}`] ?? 1;
    const schemaDefault =
      typeof argumentDefinition?.defaultValue === "number"
        ? argumentDefinition.defaultValue
        : defaultPageSize;
    const value = argument ? literal(argument.value) : undefined;
    const size = value === undefined || value === null ? schemaDefault : value;
    if (typeof size !== "number" || !Number.isInteger(size)) return maxPageSize;
    return Math.min(Math.max(size, 0), maxPageSize);
  };

  const selectionCost = (selectionSet: SelectionSetNode, parent: GraphQLNamedType | undefined): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const definition =
          isObjectType(parent) || isInterfaceType(parent)
            ? parent.getFields()[selection.name.value]
            : undefined;
        total += 1;
        if (selection.selectionSet)
          total +=
            pageSize(selection, definition, parent) *
            selectionCost(selection.selectionSet, definition ? getNamedType(definition.type) : undefined);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        total += selectionCost(selection.selectionSet, type ?? undefined);
      } else {
        total += fragmentCost(selection.name.value);
      }
      total = saturate(total);
    }
    return total;
  };

  const fragmentCost = (name: string): number => {
    const known = fragmentCosts.get(name);
    if (known !== undefined) return known;
    const fragment = getFragment(name);
    // A cycle is a validation error of its own (NoFragmentCyclesRule); it adds nothing here.
    if (!fragment || inProgress.has(name)) return 0;
    inProgress.add(name);
    const cost = selectionCost(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value));
    inProgress.delete(name);
    fragmentCosts.set(name, cost);
    return cost;
  };

  return selectionCost(operation.selectionSet, schema.getRootType(operation.operation) ?? undefined);
}
