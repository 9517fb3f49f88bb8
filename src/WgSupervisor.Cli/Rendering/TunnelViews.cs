using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Rendering;
using WgSupervisor.Cli.Api;

namespace WgSupervisor.Cli.Rendering;

/// <summary>Tables and detail views of tunnels and their history. Everything from the API is escaped before Spectre sees it.</summary>
public static class TunnelViews
{
    /// <summary>
    /// The colour that tells a state at a glance: green is fine, yellow is being handled, red needs a look; purple is held
    /// (the cause lies beyond this gateway, so the supervisor waits rather than repairs).
    /// </summary>
    public static string StateColour(string? state) => state switch
    {
        "healthy" => "green",
        "restarting" => "yellow",
        "stale" => "red",
        "backoff" => "darkorange",
        "quarantined" => "magenta",
        "held" => "purple",
        "paused" => "blue",
        _ => "grey",
    };

    public static Markup State(string? state) => new($"[{StateColour(state)}]{Markup.Escape(Human.OrDash(state))}[/]");

    /// <summary>The status table: one row per tunnel, sorted by name.</summary>
    public static Table StatusTable(IEnumerable<TunnelView> tunnels, DateTimeOffset now)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("Name", "Node", "Site", "State", "Handshake", "Last repair", "Restarts", "Diagnosis");
        table.Columns[4].RightAligned();
        table.Columns[6].RightAligned();
        foreach (var tunnel in tunnels.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            table.AddRow(
                Text(tunnel.Name), Text(tunnel.Node), Text(tunnel.Site), State(tunnel.State),
                Text(Human.Age(tunnel.HandshakeAgeSeconds)), Text(LastRepairSummary(tunnel, now)),
                Text((tunnel.RestartCount ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture)),
                Text(DiagnosisSummary(tunnel)));
        }
        return table;
    }

    /// <summary>"site lost its session (session-lost)", the cause alone when there are no words for it, or "-".</summary>
    public static string DiagnosisSummary(TunnelView tunnel) => (tunnel.Diagnosis, tunnel.Cause) switch
    {
        ({ Length: > 0 } words, { Length: > 0 } cause) => $"{words} ({cause})",
        ({ Length: > 0 } words, _) => words,
        (_, { Length: > 0 } cause) => cause,
        _ => "-",
    };

    /// <summary>"restart-interface in flight", "reset-peer succeeded 3 min ago" or "-".</summary>
    public static string LastRepairSummary(TunnelView tunnel, DateTimeOffset now)
    {
        if (tunnel.CurrentRepair is { } current) return $"{Human.OrDash(current.Rung)} in flight";
        if (tunnel.LastRepair is { } last) return $"{Human.OrDash(last.Rung)} {Human.OrDash(last.Outcome)} {Human.Ago(last.At, now)}";
        return "-";
    }

    /// <summary>Every field of one tunnel, grouped: identity, state, WireGuard, repairs, probe, warnings.</summary>
    public static IRenderable Detail(TunnelView t, DateTimeOffset now)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap().PadRight(2)).AddColumn();
        void Row(string label, IRenderable value) => grid.AddRow(new Markup($"[bold]{Markup.Escape(label)}[/]"), value);
        void Line(string label, string? value) => Row(label, Text(Human.OrDash(value)));

        Line("Name", t.Name);
        Line("Node", t.Node);
        Line("Site", t.Site);
        Row("State", new Markup($"[{StateColour(t.State)}]{Markup.Escape(Human.OrDash(t.State))}[/]" +
                                Markup.Escape(t.StateSince is { } since ? $" since {Human.Time(since)} ({Human.Ago(since, now)})" : "")));
        Line("Reason", t.Reason);
        Line("Diagnosis", DiagnosisSummary(t));
        if (t.EpisodeStartedAt is { } episode) Line("Episode since", $"{Human.Time(episode)} ({Human.Ago(episode, now)})");
        Line("Verdict", t.Verdict);
        Line("Interface", t.Interface + (t.InterfacePresent is false ? " (missing)" : ""));
        Line("Namespace", t.Namespace ?? "(host)");
        Line("Peer public key", t.PeerPublicKey);
        Line("Endpoint", t.Endpoint);
        Line("Handshake", t.LatestHandshake is { } latest
            ? $"{Human.Age(t.HandshakeAgeSeconds)} ago ({Human.Time(latest)})"
            : Human.Age(t.HandshakeAgeSeconds));
        Line("Traffic", $"rx {Human.Bytes(t.RxBytes)}, tx {Human.Bytes(t.TxBytes)}");
        Line("Observed", t.ObservedAt is { } observed ? $"{Human.Time(observed)} ({Human.Ago(observed, now)})" : null);
        Line("Restarts", (t.RestartCount ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Line("Current repair", t.CurrentRepair is { } current ? $"{Human.OrDash(current.Rung)} since {Human.Time(current.At)}" : "none");
        Line("Last repair", t.LastRepair is { } last
            ? $"{Human.OrDash(last.Rung)} {Human.OrDash(last.Outcome)} at {Human.Time(last.At)} after {Human.Seconds(last.DurationSeconds)}" +
              (string.IsNullOrEmpty(last.Detail) ? "" : $": {last.Detail}")
            : "none");
        Line("Backoff", t.BackoffUntil is { } until
            ? $"until {Human.Time(until)}" + (t.BackoffRemainingSeconds is { } remaining ? $" ({Human.Seconds(remaining)} left)" : "")
            : "none");
        if (t.QuarantinedUntil is { } quarantine) Line("Quarantined until", Human.Time(quarantine));
        Row("Probe", Probe(t.Probe));
        Row("Warnings", t.Warnings is { Count: > 0 } warnings
            ? new Rows(warnings.Select(w => new Markup($"[yellow]![/] {Markup.Escape(w)}")))
            : Text("none"));
        return grid;
    }

    /// <summary>The probe as the API sends it (target, last result, failures, ...), whatever fields it has.</summary>
    private static IRenderable Probe(JsonElement? probe)
    {
        if (probe is not { ValueKind: JsonValueKind.Object } element) return Text("none");
        var grid = new Grid().AddColumn(new GridColumn().NoWrap().PadRight(2)).AddColumn();
        foreach (var property in element.EnumerateObject())
            grid.AddRow(Text(property.Name), Text(Scalar(property.Value)));
        return grid;
    }

    /// <summary>A tunnel's history, oldest first: seq, time, type, and the event's other fields as key=value.</summary>
    public static Table EventTable(IEnumerable<JsonElement> events)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumns("Seq", "At", "Type", "Details");
        table.Columns[0].RightAligned();
        foreach (var e in events)
        {
            var type = Field(e, "type");
            var details = e.ValueKind == JsonValueKind.Object
                ? string.Join("  ", e.EnumerateObject()
                    .Where(p => p.Name is not ("seq" or "type" or "at") && p.Value.ValueKind != JsonValueKind.Null)
                    .Select(p => $"{p.Name}={Scalar(p.Value)}"))
                : "";
            table.AddRow(Text(Field(e, "seq")), Text(Field(e, "at") is var at && DateTimeOffset.TryParse(at, System.Globalization.CultureInfo.InvariantCulture,
                    System.Globalization.DateTimeStyles.AssumeUniversal, out var time) ? Human.Time(time) : at),
                new Markup($"[{EventColour(type)}]{Markup.Escape(type)}[/]"), Text(details));
        }
        return table;
    }

    private static string EventColour(string type) => type switch
    {
        "healthy" or "resumed" or "released" => "green",
        "stale" or "quarantined" or "history-gap" => "red",
        "held" => "purple",
        "repair-started" or "repair-finished" => "yellow",
        "backoff" => "darkorange",
        "paused" => "blue",
        _ => "default",
    };

    private static string Field(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? Scalar(value) : "-";

    /// <summary>A JSON value on one line: strings bare, numbers and booleans as written, objects and arrays compact.</summary>
    public static string Scalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString() ?? "",
        JsonValueKind.Null or JsonValueKind.Undefined => "-",
        _ => value.GetRawText(),
    };

    private static Text Text(string? value) => new(value ?? "-");
}
