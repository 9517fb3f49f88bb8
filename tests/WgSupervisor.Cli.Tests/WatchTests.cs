using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using WgSupervisor.Cli.Tests.Support;

namespace WgSupervisor.Cli.Tests;

/// <summary>watch follows /api/stream: every tunnel first, then each change; it ends when the stream does.</summary>
public sealed class WatchTests
{
    private static readonly string[] Stream =
    [
        Samples.Tunnel("berlin", "healthy", 3),
        Samples.Tunnel("paris", "healthy", 4),
        Samples.Tunnel("paris", "healthy", 9), // only the handshake moved: no new line when piped
        Samples.Tunnel("paris", "stale", 200, reason: "HandshakeTooOld"),
        Samples.Tunnel("paris", "restarting", 201, restartCount: 1,
            currentRepair: """{"rung":"restart-interface","outcome":null,"at":"2026-11-25T10:03:00+00:00","durationSeconds":null,"detail":null}"""),
    ];

    [Fact]
    public async Task Piped_it_prints_a_line_per_change_of_state_and_ends_with_the_stream()
    {
        await using var api = new FakeAdminApi().OnStream("/api/stream", Stream);

        var run = await Wgsup.RunAsync("watch", "--url", api.Url);

        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.Contains("berlin  healthy", lines[0]);
        Assert.Contains("paris  healthy", lines[1]);
        Assert.Contains("paris  stale (HandshakeTooOld)  handshake 3 min", lines[2]);
        Assert.Contains("paris  restarting", lines[3]);
        Assert.Contains("restarts 1  last repair restart-interface in flight", lines[3]);
        Assert.Contains("ended the stream", run.Error);
        Assert.Equal("text/event-stream", Assert.Single(api.Requests).Header("Accept"));
    }

    [Fact]
    public async Task With_json_it_prints_each_tunnel_document_on_its_own_line()
    {
        await using var api = new FakeAdminApi().OnStream("/api/stream", Stream);

        var run = await Wgsup.RunAsync("watch", "--json", "--url", api.Url);

        Assert.Equal(0, run.ExitCode);
        var lines = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Stream, lines);
        Assert.All(lines, line => JsonDocument.Parse(line));
    }

    [Fact]
    public async Task On_a_terminal_it_draws_a_live_table_with_the_latest_state_of_each_tunnel()
    {
        await using var api = new FakeAdminApi().OnStream("/api/stream", Stream);

        var run = await Wgsup.RunAsync(null, interactive: true, "watch", "--url", api.Url);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("\u001b[", run.Out); // redrawn in place with ANSI cursor moves
        var lastFrame = run.Out[run.Out.LastIndexOf("wgsup watch", StringComparison.Ordinal)..];
        Assert.Contains("2 tunnels: 1 healthy, 1 restarting", lastFrame);
        Assert.Contains("berlin", lastFrame);
        Assert.Contains("restart-interface in flight", lastFrame);
        Assert.DoesNotContain("stale", lastFrame);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_stream_that_breaks_off_exits_3_after_printing_what_came(bool interactive)
    {
        // A raw socket, because only that can drop a connection mid-stream (a reset) the way a killed supervisor does.
        using var server = new TcpListener(IPAddress.Loopback, 0);
        server.Start();
        var port = ((IPEndPoint)server.LocalEndpoint).Port;
        var serving = Task.Run(async () =>
        {
            using var client = await server.AcceptTcpClientAsync();
            var stream = client.GetStream();
            var request = new StringBuilder();
            var buffer = new byte[4096];
            while (!request.ToString().Contains("\r\n\r\n") && await stream.ReadAsync(buffer) is var read and > 0)
                request.Append(Encoding.ASCII.GetString(buffer, 0, read));
            var events = Encoding.UTF8.GetBytes(string.Concat(Stream[..2].Select(d => $"event: tunnel\ndata: {d}\n\n")));
            await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n" +
                                                            $"{events.Length:x}\r\n"));
            await stream.WriteAsync(events);
            await stream.WriteAsync("\r\n"u8.ToArray());
            await stream.FlushAsync();
            await Task.Delay(200);
            client.Client.LingerState = new LingerOption(true, 0); // close with a reset, no end of stream
            client.Close();
        });

        var run = await Wgsup.RunAsync(null, interactive, "watch", "--url", $"http://127.0.0.1:{port}");
        await serving;

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.Contains("berlin", run.Out);
        Assert.Contains("paris", run.Out);
        Assert.Contains("the stream broke", run.Error);
        Assert.DoesNotContain("   at ", run.Error);
    }

    [Fact]
    public async Task A_refused_stream_exits_3_and_an_unknown_route_exits_1()
    {
        var refused = await Wgsup.RunAsync("watch", "--url", $"http://127.0.0.1:{FakeAdminApi.FreePort()}");
        await using var api = new FakeAdminApi();
        var foreign = await Wgsup.RunAsync("watch", "--url", api.Url);

        Assert.Equal(3, refused.ExitCode);
        Assert.Equal(1, foreign.ExitCode);
    }
}
