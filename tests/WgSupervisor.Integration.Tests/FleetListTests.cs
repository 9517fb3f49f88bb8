using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using WgSupervisor.Integration.Tests.Support;

namespace WgSupervisor.Integration.Tests;

/// <summary>
/// GET /api/tunnels of a running host (simulated backend): compressed in the encoding asked for, 304 for a list the client
/// holds, pages with a Link to the next, filters; and the dashboard's event stream is never compressed.
/// </summary>
public sealed class FleetListTests
{
    [Fact]
    public async Task The_list_is_compressed_as_asked_tagged_for_304_and_paged_with_a_link_to_the_next_page()
    {
        var (supervisor, config) = await SimulatedSupervisor.StartAsync(tunnels: 7, breakEverySeconds: 1000);
        await using var _ = supervisor;
        using var __ = config;
        await supervisor.WaitUntilAsync("every tunnel observed", TimeSpan.FromSeconds(60), async () =>
            (await supervisor.Http.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK);
        var plain = (await supervisor.GetJsonAsync("/api/tunnels")).AsArray();
        var names = plain.Select(t => t!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(7, names.Count);

        foreach (var (encoding, decompress) in new (string, Func<Stream, Stream>)[]
                 {
                     ("gzip", s => new GZipStream(s, CompressionMode.Decompress)), ("br", s => new BrotliStream(s, CompressionMode.Decompress)),
                 })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/tunnels");
            request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue(encoding));
            using var response = await supervisor.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal([encoding], response.Content.Headers.ContentEncoding);
            using var body = decompress(await response.Content.ReadAsStreamAsync());
            var list = (await JsonNode.ParseAsync(body))!.AsArray();
            Assert.Equal(names, list.Select(t => t!["name"]!.GetValue<string>()));
        }

        // The tag holds while the fleet does not change; a new list gets a new tag (the poll moves it within seconds).
        using var tagged = await supervisor.Http.GetAsync("/api/tunnels");
        var tag = tagged.Headers.ETag ?? throw new InvalidOperationException("no ETag");
        using (var conditional = new HttpRequestMessage(HttpMethod.Get, "/api/tunnels"))
        {
            conditional.Headers.IfNoneMatch.Add(tag);
            using var answer = await supervisor.Http.SendAsync(conditional);
            Assert.True(answer.StatusCode is HttpStatusCode.NotModified or HttpStatusCode.OK, $"{answer.StatusCode}");
            if (answer.StatusCode == HttpStatusCode.NotModified) Assert.Empty(await answer.Content.ReadAsByteArrayAsync());
        }
        await supervisor.WaitUntilAsync("a 304, then a 200 with a new tag once the fleet moved on", TimeSpan.FromSeconds(30), async () =>
        {
            using var conditional = new HttpRequestMessage(HttpMethod.Get, "/api/tunnels");
            conditional.Headers.IfNoneMatch.Add(tag);
            using var answer = await supervisor.Http.SendAsync(conditional);
            return answer.StatusCode == HttpStatusCode.OK && answer.Headers.ETag is { } newer && newer.Tag != tag.Tag;
        });

        // Pages of 3 follow each other through their Link headers and make up the whole list.
        var paged = new List<string>();
        var next = "/api/tunnels?limit=3";
        for (var page = 0; page < 5 && next is not null; page++)
        {
            using var response = await supervisor.Http.GetAsync(next);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            paged.AddRange((await JsonNode.ParseAsync(await response.Content.ReadAsStreamAsync()))!.AsArray().Select(t => t!["name"]!.GetValue<string>()));
            next = response.Headers.TryGetValues("Link", out var links) ? links.Single().Split('<', '>')[1] : null;
        }
        Assert.Equal(names, paged);
        Assert.Null(next);

        // Filters: by node (all of them), by a site no tunnel has (none), by the state every tunnel shows.
        Assert.Equal(7, (await supervisor.GetJsonAsync("/api/tunnels?node=api")).AsArray().Count);
        Assert.Empty((await supervisor.GetJsonAsync("/api/tunnels?site=nowhere")).AsArray());
        Assert.Empty((await supervisor.GetJsonAsync("/api/tunnels?state=recovering")).AsArray());
        var limit = await supervisor.Http.GetAsync("/api/tunnels?limit=0");
        Assert.Equal(HttpStatusCode.BadRequest, limit.StatusCode);
    }

    [Fact]
    public async Task The_event_stream_is_never_compressed_and_other_json_answers_are()
    {
        var (supervisor, config) = await SimulatedSupervisor.StartAsync(tunnels: 2, breakEverySeconds: 1000);
        await using var _ = supervisor;
        using var __ = config;

        using var fleet = new HttpRequestMessage(HttpMethod.Get, "/api/fleet");
        fleet.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
        using var fleetAnswer = await supervisor.Http.SendAsync(fleet);
        Assert.Equal(["gzip"], fleetAnswer.Content.Headers.ContentEncoding);

        using var stream = new HttpRequestMessage(HttpMethod.Get, "/api/stream");
        stream.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
        stream.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("br"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var streamAnswer = await supervisor.Http.SendAsync(stream, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal("text/event-stream", streamAnswer.Content.Headers.ContentType?.MediaType);
        Assert.Empty(streamAnswer.Content.Headers.ContentEncoding);
        // The first event arrives as written (not held back in a compressor's buffer).
        using var reader = new StreamReader(await streamAnswer.Content.ReadAsStreamAsync(timeout.Token));
        var line = await reader.ReadLineAsync(timeout.Token);
        Assert.False(string.IsNullOrEmpty(line), "a first line of the stream");
    }
}
