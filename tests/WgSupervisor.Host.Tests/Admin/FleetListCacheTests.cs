using System.IO.Compression;
using System.Text.Json;
using WgSupervisor.Actors.Clustering;
using WgSupervisor.Actors.Fleet;
using WgSupervisor.Domain.Tests.Support;
using WgSupervisor.Domain.Tunnels;
using WgSupervisor.Host.Admin;
using Xunit;

namespace WgSupervisor.Domain.Tests.Admin;

/// <summary>
/// The whole fleet list, serialized once per change: kept while the fleet's version stands, built again when it moves (or
/// when its ages are a second old), never served more than MaxLag behind the fleet, and tagged for If-None-Match.
/// </summary>
public sealed class FleetListCacheTests
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan BackgroundBuildLimit = TimeSpan.FromSeconds(30);

    private readonly ManualClock _clock = new(Summaries.T0);
    private readonly FakeDirectory _directory = new();

    private FleetListCache Cache() => new(_directory, _clock, Web);

    [Fact]
    public async Task While_the_fleets_version_stands_the_same_body_is_served_and_the_list_is_fetched_once()
    {
        var cache = Cache();

        var first = await cache.GetAsync(ContentCoding.Identity, default);
        _clock.Advance(TimeSpan.FromMilliseconds(900));
        var again = await cache.GetAsync(ContentCoding.Identity, default);

        Assert.Same(first, again);
        Assert.Equal(1, _directory.ListsFetched);
        Assert.StartsWith("W/\"", first.EntityTag);
        var json = JsonDocument.Parse(first.Encoded(ContentCoding.Identity)).RootElement;
        Assert.Equal(["a", "b"], json.EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        Assert.Equal(2, first.Count);
    }

    [Fact]
    public async Task A_new_version_gives_a_new_body_and_tag_once_the_one_kept_is_more_than_MaxLag_old()
    {
        var cache = Cache();
        var first = await cache.GetAsync(ContentCoding.Identity, default);

        _directory.Change(Summaries.Of("a", TunnelPhase.Stale));
        _clock.Advance(FleetListCache.MaxLag + TimeSpan.FromMilliseconds(1));
        var changed = await cache.GetAsync(ContentCoding.Identity, default);

        Assert.NotEqual(first.EntityTag, changed.EntityTag);
        Assert.Equal("stale", JsonDocument.Parse(changed.Encoded(ContentCoding.Identity)).RootElement[0].GetProperty("state").GetString());
    }

    [Fact]
    public async Task A_new_version_within_MaxLag_is_built_in_the_background_while_the_kept_body_is_served()
    {
        var cache = Cache();
        var first = await cache.GetAsync(ContentCoding.Identity, default);

        _directory.Change(Summaries.Of("b", TunnelPhase.Paused));
        var served = await cache.GetAsync(ContentCoding.Identity, default);
        Assert.Same(first, served);

        // The build runs on the thread pool: bounded wait for it to land (the clock does not move, so MaxLag never passes). The bound is
        // generous, not 2 s: on a loaded CI machine whose pool threads are busy with fuzzers, the pool adds a thread only every half second.
        FleetListBody? next = null;
        var waited = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 10_000 && waited.Elapsed < BackgroundBuildLimit && (next = await cache.GetAsync(ContentCoding.Identity, default)) == first; i++)
            await Task.Delay(10);
        Assert.NotSame(first, next);
        Assert.Equal(_directory.Version, next!.Version);
    }

    [Fact]
    public async Task An_unchanged_list_is_built_again_for_its_ages_after_MaxAge_and_keeps_its_weak_tag()
    {
        var cache = Cache();
        var first = await cache.GetAsync(ContentCoding.Identity, default);

        _clock.Advance(FleetListCache.MaxAge + FleetListCache.MaxLag);
        var aged = await cache.GetAsync(ContentCoding.Identity, default);

        Assert.NotSame(first, aged);
        Assert.Equal(first.EntityTag, aged.EntityTag);
        Assert.Equal(_clock.GetUtcNow(), aged.BuiltAt);
        var handshakeAge = JsonDocument.Parse(aged.Encoded(ContentCoding.Identity)).RootElement[0].GetProperty("handshakeAgeSeconds").GetDouble();
        Assert.Equal(200 + (FleetListCache.MaxAge + FleetListCache.MaxLag).TotalSeconds, handshakeAge, precision: 1);
    }

    [Fact]
    public async Task A_cluster_list_without_a_version_is_kept_for_MaxLag_and_tagged_by_its_content()
    {
        _directory.Versioned = false;
        var cache = Cache();

        var first = await cache.GetAsync(ContentCoding.Identity, default);
        var kept = await cache.GetAsync(ContentCoding.Identity, default);
        _clock.Advance(FleetListCache.MaxLag);
        var rebuilt = await cache.GetAsync(ContentCoding.Identity, default);

        Assert.Same(first, kept);
        Assert.NotSame(first, rebuilt);
        Assert.False(first.EntityTag.StartsWith("W/", StringComparison.Ordinal));
        Assert.Equal(2, _directory.ListsFetched);
    }

    [Fact]
    public async Task The_compressed_forms_hold_the_same_json()
    {
        var body = await Cache().GetAsync(ContentCoding.Brotli, default);
        var json = body.Encoded(ContentCoding.Identity);

        Assert.Equal(json, Decompress(body.Encoded(ContentCoding.Gzip), s => new GZipStream(s, CompressionMode.Decompress)));
        Assert.Equal(json, Decompress(body.Encoded(ContentCoding.Brotli), s => new BrotliStream(s, CompressionMode.Decompress)));
    }

    private static byte[] Decompress(byte[] compressed, Func<Stream, Stream> decompressor)
    {
        using var output = new MemoryStream();
        using (var input = decompressor(new MemoryStream(compressed))) input.CopyTo(output);
        return output.ToArray();
    }

    /// <summary>A local fleet's directory: a version that moves with each change, and a count of the whole lists handed out.</summary>
    private sealed class FakeDirectory : ITunnelDirectory
    {
        private readonly Dictionary<string, TunnelSummary> _tunnels = new()
        {
            ["a"] = Summaries.Of("a", TunnelPhase.Healthy),
            ["b"] = Summaries.Of("b", TunnelPhase.Healthy),
        };

        public long Version { get; private set; } = 1;
        public bool Versioned { get; set; } = true;
        public int ListsFetched { get; private set; }

        public void Change(TunnelSummary summary)
        {
            lock (_tunnels)
            {
                _tunnels[summary.Name] = summary;
                Version++;
            }
        }

        public Task<VersionedTunnelViews> ListIfChangedAsync(long? knownVersion, CancellationToken cancellationToken)
        {
            lock (_tunnels)
            {
                if (Versioned && knownVersion == Version) return Task.FromResult(new VersionedTunnelViews(Version, null));
                ListsFetched++;
                return Task.FromResult(new VersionedTunnelViews(Versioned ? Version : null, Views()));
            }
        }

        private List<TunnelView> Views() =>
            _tunnels.Values.OrderBy(t => t.Name, StringComparer.Ordinal).Select(t => new TunnelView(t, NodeStatus.Up, t.ObservedAt, [])).ToList();

        public Task<IReadOnlyList<TunnelView>> ListAsync(CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<TunnelViewPage> SelectAsync(TunnelQuery query, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<TunnelView?> FindAsync(string name, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<object> CommandAsync(string name, Func<string, object> command, string by, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
        public Task<object> SiteCommandAsync(string site, Func<string, object> command, string by, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
        public Task<IReadOnlyList<NodeView>> NodesAsync(CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
