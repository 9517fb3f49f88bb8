using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Spectre.Console;
using WgSupervisor.Cli.Api;
using WgSupervisor.Cli.Rendering;

namespace WgSupervisor.Cli.Commands;

/// <summary>Commands that only read: status, show, events, fleet, health. Each prints a table, or the API's JSON with --json.</summary>
public static class ReadCommands
{
    public static Command Status(CommandRunner runner)
    {
        var state = new Option<string?>("--state") { Description = "Only tunnels in this state (healthy, stale, restarting, backoff, held, paused, quarantined, standby, unknown)", HelpName = "STATE" };
        var site = new Option<string?>("--site") { Description = "Only tunnels of this site", HelpName = "SITE" };
        var node = new Option<string?>("--node") { Description = "Only tunnels of this node", HelpName = "NODE" };
        var command = new Command("status", "Every tunnel: state, handshake age, last repair, restarts, diagnosis") { state, site, node };
        command.SetAction(runner.Handler(async (context, cancellationToken) =>
        {
            var query = Query(("state", context.Parse.GetValue(state)), ("site", context.Parse.GetValue(site)), ("node", context.Parse.GetValue(node)));
            using var client = context.CreateClient();
            var answer = await client.GetAsync("api/tunnels" + query, cancellationToken);
            if (context.Json)
            {
                context.WriteRaw(answer.Body);
                return ExitCodes.Ok;
            }
            var tunnels = answer.Read<List<TunnelView>>();
            if (tunnels.Count == 0)
            {
                context.WriteLine(query.Length == 0 ? "no tunnels are supervised" : "no tunnel matches");
                return ExitCodes.Ok;
            }
            context.Out.Write(TunnelViews.StatusTable(tunnels, DateTimeOffset.UtcNow));
            context.Out.WriteLine(Census(tunnels));
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>"3 tunnels: 2 healthy, 1 stale".</summary>
    public static string Census(IReadOnlyCollection<TunnelView> tunnels) =>
        $"{tunnels.Count} tunnel{(tunnels.Count == 1 ? "" : "s")}: " + string.Join(", ", tunnels
            .GroupBy(t => t.State ?? "unknown")
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Count()} {g.Key}"));

    public static Command Show(CommandRunner runner)
    {
        var name = Arguments.Name("NAME", "The tunnel");
        var command = new Command("show", "One tunnel in full: state, diagnosis, WireGuard, repairs, backoff, probe, warnings") { name };
        command.SetAction(runner.Handler(async (context, cancellationToken) =>
        {
            using var client = context.CreateClient();
            var answer = await client.GetAsync($"api/tunnels/{Arguments.Segment(context.Parse.GetRequiredValue(name))}", cancellationToken);
            if (context.Json)
            {
                context.WriteRaw(answer.Body);
                return ExitCodes.Ok;
            }
            context.Out.Write(TunnelViews.Detail(answer.Read<TunnelView>(), DateTimeOffset.UtcNow));
            return ExitCodes.Ok;
        }));
        return command;
    }

    public static Command Events(CommandRunner runner)
    {
        var name = Arguments.Name("NAME", "The tunnel");
        var limit = new Option<long?>("--limit")
        {
            Description = "At most this many events (1-10000) [default: the API's, 1000]",
            HelpName = "N",
            CustomParser = result => Arguments.WholeNumber(result, "--limit", 1, 10_000),
        };
        var after = new Option<long?>("--after")
        {
            Description = "Only events after this sequence number (the next page)",
            HelpName = "SEQ",
            CustomParser = result => Arguments.WholeNumber(result, "--after", 0, long.MaxValue),
        };
        var command = new Command("events", "A tunnel's history, oldest first: transitions, repairs and their diagnoses, holds, pauses") { name, limit, after };
        command.SetAction(runner.Handler(async (context, cancellationToken) =>
        {
            var query = Query(("after", context.Parse.GetValue(after)?.ToString(CultureInfo.InvariantCulture)),
                ("limit", context.Parse.GetValue(limit)?.ToString(CultureInfo.InvariantCulture)));
            using var client = context.CreateClient();
            var answer = await client.GetAsync($"api/tunnels/{Arguments.Segment(context.Parse.GetRequiredValue(name))}/events{query}", cancellationToken);
            if (context.Json)
            {
                context.WriteRaw(answer.Body);
                return ExitCodes.Ok;
            }
            var events = answer.Read<List<JsonElement>>();
            if (events.Count == 0)
            {
                context.WriteLine("no events");
                return ExitCodes.Ok;
            }
            context.Out.Write(TunnelViews.EventTable(events));
            return ExitCodes.Ok;
        }));
        return command;
    }

    public static Command Fleet(CommandRunner runner)
    {
        var command = new Command("fleet", "Repair permits in use and queued, last poll per namespace, history backlog");
        command.SetAction(runner.Handler(async (context, cancellationToken) =>
        {
            using var client = context.CreateClient();
            var answer = await client.GetAsync("api/fleet", cancellationToken);
            if (context.Json)
            {
                context.WriteRaw(answer.Body);
                return ExitCodes.Ok;
            }
            var fleet = answer.Read<JsonElement>();
            var grid = new Grid().AddColumn(new GridColumn().NoWrap().PadRight(2)).AddColumn();
            grid.AddRow(new Markup("[bold]Permits[/]"), new Text($"{Number(fleet, "permitsInUse")} of {Number(fleet, "permitLimit")} in use{List(fleet, "permitHolders", " by ")}"));
            grid.AddRow(new Markup("[bold]Queue[/]"), new Text(List(fleet, "queue", "") is { Length: > 0 } queue ? queue : "empty"));
            grid.AddRow(new Markup("[bold]History backlog[/]"), new Text($"{Number(fleet, "pendingHistoryEvents")} events"));
            grid.AddRow(new Markup("[bold]History problems[/]"), new Text(List(fleet, "historyProblems", "") is { Length: > 0 } problems ? problems : "none"));
            context.Out.Write(grid);
            var polls = new Table().Border(TableBorder.Rounded).AddColumns("Namespace", "Last success", "Last failure", "Last error");
            if (fleet.TryGetProperty("polls", out var pollList) && pollList.ValueKind == JsonValueKind.Array)
                foreach (var poll in pollList.EnumerateArray())
                    polls.AddRow(new Text(Text(poll, "namespace") ?? "(host)"), new Text(TimeOf(poll, "lastSuccess")),
                        new Text(TimeOf(poll, "lastFailure")), new Text(Text(poll, "lastError") ?? "-"));
            context.Out.Write(polls);
            return ExitCodes.Ok;
        }));
        return command;
    }

    public static Command Health(CommandRunner runner)
    {
        var ready = new Option<bool>("--ready") { Description = "Ask /readyz (journal reachable and WireGuard read) instead of /healthz (alive)" };
        var command = new Command("health", "Is the supervisor alive (exit 0) or not (exit 1); with --ready, is it ready") { ready };
        command.SetAction(runner.Handler(async (context, cancellationToken) =>
        {
            using var client = context.CreateClient();
            // 503 is an answer here, not an error: its body says which check failed.
            var answer = await client.GetAsync(context.Parse.GetValue(ready) ? "readyz" : "healthz", cancellationToken, HttpStatusCode.ServiceUnavailable);
            var healthy = answer.Status == HttpStatusCode.OK;
            if (context.Json)
            {
                context.WriteRaw(answer.Body);
                return healthy ? ExitCodes.Ok : ExitCodes.Failure;
            }
            var report = answer.Read<JsonElement>();
            var status = Text(report, "status") ?? (healthy ? "healthy" : "unhealthy");
            context.Out.MarkupLine($"[{(healthy ? "green" : "red")}]{Markup.Escape(status)}[/]");
            if (report.TryGetProperty("checks", out var checks) && checks.ValueKind == JsonValueKind.Object)
            {
                var table = new Table().Border(TableBorder.Rounded).AddColumns("Check", "Status", "Description");
                foreach (var check in checks.EnumerateObject())
                    table.AddRow(new Text(check.Name), new Text(Text(check.Value, "status") ?? "-"), new Text(Text(check.Value, "description") ?? "-"));
                context.Out.Write(table);
            }
            return healthy ? ExitCodes.Ok : ExitCodes.Failure;
        }));
        return command;
    }

    /// <summary>"?a=1&amp;b=2" from the pairs that have a value, escaped; "" when none has.</summary>
    public static string Query(params (string Key, string? Value)[] pairs)
    {
        var given = pairs.Where(p => !string.IsNullOrEmpty(p.Value)).Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value!)}").ToList();
        return given.Count == 0 ? "" : "?" + string.Join('&', given);
    }

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static string Number(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            ? value.GetRawText()
            : "?";

    private static string TimeOf(JsonElement element, string name) =>
        Text(element, name) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? Human.Time(time)
            : "-";

    private static string List(JsonElement element, string name, string prefix) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array &&
        value.GetArrayLength() > 0
            ? prefix + string.Join(", ", value.EnumerateArray().Select(TunnelViews.Scalar))
            : "";
}
