namespace MailFlow.Diagnostics.Rules;

/// <summary>
/// Every <see cref="IRootCauseRule"/> of this assembly, found by type so that adding a rule is adding a
/// file. Ordered by type name (RC01… first), which is also the tie-break between equally confident findings.
/// </summary>
public static class RuleCatalog
{
    public static IReadOnlyList<IRootCauseRule> All { get; } = typeof(RuleCatalog).Assembly.GetTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IRootCauseRule).IsAssignableFrom(t))
        .OrderBy(t => t.Name, StringComparer.Ordinal)
        .Select(t => (IRootCauseRule)Activator.CreateInstance(t)!)
        .ToList();
}
