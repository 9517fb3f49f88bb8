using Akka.Actor;
using WgSupervisor.Domain.Tunnels;

namespace WgSupervisor.Actors.Fleet;

/// <summary>One supervised tunnel as the fleet knows it.</summary>
/// <param name="Actor">The tunnel's actor (a movable tunnel's wrapper, when it can move).</param>
/// <param name="Summary">The tunnel's latest summary, as it reported it (or "not yet observed").</param>
/// <param name="History">The latest word of its history on events not yet written; null until it reported.</param>
/// <param name="LastPublished">The significant part of the summary last published to the cluster; null: none yet.</param>
public sealed record RosterEntry(
    TunnelSettings Settings,
    IActorRef Actor,
    TunnelSummary Summary,
    HistoryBacklog? History = null,
    TunnelSummary? LastPublished = null)
{
    public string Name => Settings.Name;
}

/// <param name="PendingEvents">Events recorded but not yet written to the journal.</param>
/// <param name="Problem">Why they are not written, if the history knows.</param>
public sealed record HistoryBacklog(int PendingEvents, string? Problem);

/// <summary>
/// The fleet's one roster: every tunnel it supervises, by name, with everything the fleet keeps about it, so that
/// enlisting or retiring a tunnel is one operation. Pure and single-threaded (the fleet actor owns it): it holds
/// actor references but never sends to them.
/// </summary>
public sealed class TunnelRoster
{
    /// <summary>Names are unique and at most 64 characters long; a suffix makes room below that.</summary>
    private const int MaxNameLength = 64;
    private const int MaxSuffixes = 1000;

    private readonly Dictionary<string, RosterEntry> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<TunnelKey, string> _namesByKey = new();
    // The names in order, kept until a tunnel is enlisted or retired: readers page through it without sorting the fleet.
    private string[]? _sortedNames;

    public int Count => _entries.Count;

    /// <summary>Changes whenever a summary changes or a tunnel is enlisted or retired: a reader that saw this version has seen it all.</summary>
    public long Version { get; private set; }

    /// <summary>Every entry, by name (ordinal).</summary>
    public IEnumerable<RosterEntry> Entries => SortedNames.Select(name => _entries[name]);

    private string[] SortedNames => _sortedNames ??= _entries.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>
    /// The summaries the query selects, by name, without building the whole list: a scan from the page's first name that
    /// stops once the page is full. More: a further summary matches too.
    /// </summary>
    public (IReadOnlyList<TunnelSummary> Summaries, bool More) Select(TunnelQuery query)
    {
        var names = SortedNames;
        var selected = new List<TunnelSummary>(Math.Min(query.Limit ?? names.Length, names.Length));
        for (var i = query.FirstIndexIn(names); i < names.Length; i++)
        {
            var summary = _entries[names[i]].Summary;
            if (!query.Matches(summary)) continue;
            if (selected.Count == query.Limit) return (selected, true);
            selected.Add(summary);
        }
        return (selected, false);
    }

    /// <summary>The names of the tunnels that are still recovering (their history, or a first observation), by name.</summary>
    public IReadOnlyList<string> Recovering => RecoveringCount == 0 ? [] : Entries.Where(e => e.Summary.Recovering).Select(e => e.Name).ToList();

    /// <summary>How many tunnels are still recovering; kept as summaries come, so that asking costs nothing.</summary>
    public int RecoveringCount { get; private set; }

    /// <summary>Every tunnel's latest summary, by name (ordinal).</summary>
    public IReadOnlyList<TunnelSummary> Summaries => Entries.Select(e => e.Summary).ToList();

    public int PendingHistoryEvents => _entries.Values.Sum(e => e.History?.PendingEvents ?? 0);

    /// <summary>"tunnel: problem" for each history that cannot write, by tunnel name.</summary>
    public IReadOnlyList<string> HistoryProblems =>
        Entries.Where(e => e.History?.Problem is not null).Select(e => $"{e.Name}: {e.History!.Problem}").ToList();

    public bool Contains(string name) => _entries.ContainsKey(name);

    /// <summary>Whether a tunnel with this (namespace, interface, peer) is supervised already, found or configured.</summary>
    public bool Contains(TunnelKey key) => _namesByKey.ContainsKey(key);

    public RosterEntry? Find(string name) => _entries.GetValueOrDefault(name);

    /// <summary>The entry whose actor this is (a tunnel actor stopped for good); null: not a tunnel of this roster.</summary>
    public RosterEntry? FindByActor(IActorRef actor) => _entries.Values.FirstOrDefault(e => e.Actor.Equals(actor));

    /// <summary>The tunnels observed in this namespace (null: the host's own).</summary>
    public IReadOnlyList<RosterEntry> InNamespace(string? networkNamespace) =>
        Entries.Where(e => e.Settings.Namespace == networkNamespace).ToList();

    /// <summary>The tunnels of a site, by name.</summary>
    public IReadOnlyList<RosterEntry> OfSite(string site) => Entries.Where(e => e.Settings.Site == site).ToList();

    /// <summary>
    /// Enlists a tunnel with its actor. A tunnel enlisted again (its actor started anew after it stopped for good)
    /// keeps its summary and history backlog: the new actor reports its own soon.
    /// </summary>
    public RosterEntry Enlist(TunnelSettings settings, IActorRef actor, TunnelSummary initialSummary)
    {
        var entry = _entries.TryGetValue(settings.Name, out var existing)
            ? existing with { Settings = settings, Actor = actor }
            : new RosterEntry(settings, actor, initialSummary);
        if (existing is null)
        {
            _sortedNames = null;
            if (initialSummary.Recovering) RecoveringCount++;
        }
        _entries[settings.Name] = entry;
        _namesByKey[settings.Key] = settings.Name;
        Version++;
        return entry;
    }

    /// <summary>Forgets the tunnel altogether; null: it was not enlisted.</summary>
    public RosterEntry? Retire(string name)
    {
        if (!_entries.Remove(name, out var entry)) return null;
        _namesByKey.Remove(entry.Settings.Key);
        _sortedNames = null;
        if (entry.Summary.Recovering) RecoveringCount--;
        Version++;
        return entry;
    }

    /// <summary>Keeps the tunnel's latest summary; false (and nothing kept) when the tunnel is not enlisted (retired).</summary>
    public bool RecordSummary(TunnelSummary summary)
    {
        if (!_entries.TryGetValue(summary.Name, out var entry)) return false;
        RecoveringCount += (summary.Recovering ? 1 : 0) - (entry.Summary.Recovering ? 1 : 0);
        _entries[summary.Name] = entry with { Summary = summary };
        Version++;
        return true;
    }

    /// <summary>Keeps the latest word of the tunnel's history; false when the tunnel is not enlisted (retired).</summary>
    public bool RecordHistory(string name, HistoryBacklog backlog) => Update(name, e => e with { History = backlog });

    /// <summary>
    /// Records <paramref name="significant"/> as published for the tunnel; false when it is what was published
    /// last (nothing new to tell) or the tunnel is not enlisted.
    /// </summary>
    public bool MarkPublished(string name, TunnelSummary significant)
    {
        if (!_entries.TryGetValue(name, out var entry) || entry.LastPublished == significant) return false;
        _entries[name] = entry with { LastPublished = significant };
        return true;
    }

    /// <summary><paramref name="name"/> if no tunnel has it, else the first free "name-2", "name-3", …</summary>
    public string UniqueName(string name)
    {
        if (!_entries.ContainsKey(name)) return name;
        var stem = name[..Math.Min(name.Length, MaxNameLength - 4)];
        for (var i = 2; i < MaxSuffixes; i++)
            if (!_entries.ContainsKey($"{stem}-{i}")) return $"{stem}-{i}";
        throw new InvalidOperationException($"no free name for {name}");
    }

    private bool Update(string name, Func<RosterEntry, RosterEntry> change)
    {
        if (!_entries.TryGetValue(name, out var entry)) return false;
        _entries[name] = change(entry);
        return true;
    }
}
