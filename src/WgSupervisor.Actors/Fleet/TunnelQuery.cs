using WgSupervisor.Domain.Tunnels;

namespace WgSupervisor.Actors.Fleet;

/// <summary>
/// Which tunnels a reader wants, applied where the tunnels are kept so that a filter or a page never builds the whole
/// list first. Tunnels come by name (ordinal); <see cref="After"/> starts past a name, <see cref="Limit"/> caps the count.
/// </summary>
/// <param name="Phase">Only tunnels shown in this phase (a recovering tunnel is shown as recovering, not in its phase).</param>
/// <param name="Recovering">Only tunnels still recovering (true) or only those that are not (false).</param>
public sealed record TunnelQuery(
    TunnelPhase? Phase = null,
    bool? Recovering = null,
    string? Site = null,
    string? Node = null,
    string? After = null,
    int? Limit = null)
{
    public static readonly TunnelQuery All = new();

    public bool Matches(TunnelSummary summary) =>
        (Phase is null || (summary.Phase == Phase && !summary.Recovering)) &&
        (Recovering is null || summary.Recovering == Recovering) &&
        (Site is null || summary.Site == Site) &&
        (Node is null || summary.Node == Node);

    /// <summary>The names past <see cref="After"/>, in order, from a list sorted by name (ordinal).</summary>
    public int FirstIndexIn(IReadOnlyList<string> sortedNames)
    {
        if (After is null) return 0;
        int low = 0, high = sortedNames.Count;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (string.CompareOrdinal(sortedNames[middle], After) <= 0) low = middle + 1;
            else high = middle;
        }
        return low;
    }
}
