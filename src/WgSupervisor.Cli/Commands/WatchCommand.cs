using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Spectre.Console;
using Spectre.Console.Rendering;
using WgSupervisor.Cli.Api;
using WgSupervisor.Cli.Rendering;

namespace WgSupervisor.Cli.Commands;

/// <summary>
/// `watch`: follows /api/stream. On a terminal, a live status table redrawn on every change (and every second, so that
/// handshake ages keep counting); piped, one line per tunnel whose state, repair or restarts changed; with --json, each
/// tunnel document as the stream sends it, one per line. Ends on Ctrl-C or when the supervisor ends the stream (exit 0),
/// or with exit 3 when the connection breaks or stays silent past three keep-alives.
/// </summary>
public static class WatchCommand
{
    /// <summary>The API sends a keep-alive comment every 15 s; three missed ones mean the connection is dead.</summary>
    public static readonly TimeSpan IdleLimit = TimeSpan.FromSeconds(45);

    private static readonly TimeSpan RedrawInterval = TimeSpan.FromSeconds(1);

    public static Command Create(CommandRunner runner)
    {
        var command = new Command("watch", "Live status table from the supervisor's event stream (Ctrl-C ends it)");
        command.SetAction(runner.Handler(async (context, cancellationToken) =>
        {
            using var client = context.CreateClient();
            await using var stream = await client.OpenStreamAsync("api/stream", cancellationToken);
            var reader = new ServerSentEventReader(stream, IdleLimit);
            try
            {
                if (context.Json) await FollowAsJsonAsync(context, reader, cancellationToken);
                else if (context.Console.Interactive) await FollowLiveAsync(context, client.BaseUrl, reader, cancellationToken);
                else await FollowAsLinesAsync(context, reader, cancellationToken);
                context.Console.Error.WriteLine("wgsup: the supervisor ended the stream");
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Ctrl-C is how watch is meant to end.
            }
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static async Task FollowAsJsonAsync(CommandContext context, ServerSentEventReader reader, CancellationToken cancellationToken)
    {
        while (await reader.ReadAsync(cancellationToken) is { } e)
        {
            // Each document on one line (NDJSON), whatever line breaks the server put in it.
            if (e.Type == "tunnel") context.WriteLine(e.Data.Replace("\r", "").Replace("\n", ""));
        }
    }

    private static async Task FollowAsLinesAsync(CommandContext context, ServerSentEventReader reader, CancellationToken cancellationToken)
    {
        var headlines = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken) is { } e)
        {
            if (Tunnel(e) is not { } tunnel) continue;
            var now = DateTimeOffset.UtcNow;
            // Counters and handshake times change on every poll; a line is worth printing when the story changes.
            var headline = string.Join('|', tunnel.State, tunnel.Reason, tunnel.RestartCount, tunnel.CurrentRepair?.Rung,
                tunnel.LastRepair?.At, tunnel.BackoffUntil, tunnel.QuarantinedUntil, tunnel.Verdict, tunnel.Diagnosis);
            if (headlines.TryGetValue(tunnel.Name, out var previous) && previous == headline) continue;
            headlines[tunnel.Name] = headline;
            context.WriteLine($"{Human.Time(now)}  {tunnel.Name}  {Human.OrDash(tunnel.State)}" +
                              (tunnel.Reason is { Length: > 0 } reason ? $" ({reason})" : "") +
                              $"  handshake {Human.Age(tunnel.HandshakeAgeSeconds)}  restarts {tunnel.RestartCount ?? 0}" +
                              $"  last repair {TunnelViews.LastRepairSummary(tunnel, now)}" +
                              (TunnelViews.DiagnosisSummary(tunnel) is var diagnosis and not "-" ? $"  diagnosis {diagnosis}" : ""));
        }
    }

    /// <summary>A reader task feeds a channel; the live view drains it in bursts, so that a flood of changes costs one redraw.</summary>
    private static async Task FollowLiveAsync(CommandContext context, Uri baseUrl, ServerSentEventReader reader, CancellationToken cancellationToken)
    {
        var changes = Channel.CreateUnbounded<TunnelView>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reading = Task.Run(async () =>
        {
            try
            {
                while (await reader.ReadAsync(stop.Token) is { } e)
                    if (Tunnel(e) is { } tunnel) changes.Writer.TryWrite(tunnel);
                changes.Writer.TryComplete();
            }
            catch (Exception failure)
            {
                changes.Writer.TryComplete(failure);
            }
        }, CancellationToken.None);

        var tunnels = new Dictionary<string, (TunnelView View, long ReceivedAt)>(StringComparer.Ordinal);
        try
        {
            await context.Out.Live(View(tunnels, baseUrl)).AutoClear(false).StartAsync(async live =>
            {
                // Bounded by the stream: it ends, fails (the channel completes with the failure) or Ctrl-C cancels.
                while (true)
                {
                    using var tick = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    tick.CancelAfter(RedrawInterval);
                    try
                    {
                        if (!await changes.Reader.WaitToReadAsync(tick.Token)) break;
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        // A second without change: redraw anyway so that ages move on.
                    }
                    while (changes.Reader.TryRead(out var tunnel)) tunnels[tunnel.Name] = (tunnel, Stopwatch.GetTimestamp());
                    live.UpdateTarget(View(tunnels, baseUrl));
                    live.Refresh();
                }
                live.UpdateTarget(View(tunnels, baseUrl));
                live.Refresh();
            });
            await changes.Reader.Completion; // rethrows a failure of the stream
        }
        finally
        {
            await stop.CancelAsync();
            await reading;
        }
    }

    /// <summary>The table with each handshake age moved on by the time since its tunnel was received (no clock skew).</summary>
    private static IRenderable View(Dictionary<string, (TunnelView View, long ReceivedAt)> tunnels, Uri baseUrl)
    {
        var now = DateTimeOffset.UtcNow;
        var current = tunnels.Values.Select(t => t.View with
        {
            HandshakeAgeSeconds = t.View.HandshakeAgeSeconds + Stopwatch.GetElapsedTime(t.ReceivedAt).TotalSeconds,
        }).ToList();
        var header = new Markup($"[bold]wgsup watch[/] {Markup.Escape(baseUrl.ToString())}  " +
                                Markup.Escape(current.Count == 0 ? "waiting for tunnels" : ReadCommands.Census(current)) +
                                $"  [grey]{Markup.Escape(Human.Time(now))}, Ctrl-C to stop[/]");
        return new Rows(header, TunnelViews.StatusTable(current, now));
    }

    private static TunnelView? Tunnel(ServerSentEvent e)
    {
        if (e.Type != "tunnel") return null;
        try
        {
            return JsonSerializer.Deserialize<TunnelView>(e.Data, AdminClient.Json);
        }
        catch (JsonException failure)
        {
            throw new UnexpectedAnswerException($"the stream sent a tunnel that is not the expected JSON ({failure.Message})", failure);
        }
    }
}
