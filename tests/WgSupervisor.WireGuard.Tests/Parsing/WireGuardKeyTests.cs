using System.Security.Cryptography;
using WgSupervisor.Domain.Tests.Support;
using WgSupervisor.WireGuard.Tests.Support;
using WgSupervisor.WireGuard.Parsing;
using Xunit;

namespace WgSupervisor.WireGuard.Tests.Parsing;

public sealed class WireGuardKeyTests
{
    [Fact]
    public void Every_32_byte_value_in_base64_is_a_valid_key()
    {
        var random = new Random(7);
        for (var i = 0; i < 500; i++)
        {
            var key = TestKeys.From(random);
            Assert.True(WireGuardKey.IsValid(key), $"{key} should be valid");
        }
        Assert.True(WireGuardKey.IsValid(Convert.ToBase64String(new byte[32])));
        Assert.True(WireGuardKey.IsValid(Convert.ToBase64String(Enumerable.Repeat((byte)0xFF, 32).ToArray())));
    }

    public static TheoryData<string?> NotKeys() => new()
    {
        null,
        "",
        "(none)",
        Convert.ToBase64String(new byte[31]),
        Convert.ToBase64String(new byte[33]),
        Convert.ToBase64String(new byte[32]).TrimEnd('='),
        Convert.ToBase64String(new byte[32])[..42] + "B=", // padding bits not zero: not 32 bytes
        Convert.ToBase64String(new byte[32])[..42] + "A==",
        " " + Convert.ToBase64String(new byte[32]),
        Convert.ToBase64String(new byte[32]) + " ",
        new string('-', 43) + "=",  // url-safe alphabet is not WireGuard's
        new string('_', 43) + "=",
        new string('A', 42) + "é=",
    };

    [Theory]
    [MemberData(nameof(NotKeys))]
    public void Text_that_is_not_32_bytes_of_standard_base64_is_not_a_key(string? text)
    {
        Assert.False(WireGuardKey.IsValid(text));
    }

    /// <summary>
    /// Regression of a fixed defect: the pattern ends in '$', which in .NET also matches before a final '\n', so "KEY=\n" passes.
    /// A config key read with a trailing newline would then never match the dump: the tunnel looks "peer missing".
    /// </summary>
    [Fact]
    public void A_key_followed_by_a_newline_is_not_a_key()
    {
        Assert.False(WireGuardKey.IsValid(TestKeys.Random() + "\n"));
    }

    [Fact]
    public void Redact_replaces_every_key_in_free_text_and_keeps_the_rest()
    {
        var first = TestKeys.Random();
        var second = TestKeys.Random();

        var redacted = WireGuardKey.Redact($"peer {first} failed; private key\t{second}\nend");

        Assert.Equal("peer (key redacted) failed; private key\t(key redacted)\nend", redacted);
    }

    [Fact]
    public void Redact_leaves_text_without_keys_unchanged()
    {
        const string text = "wg: Unable to modify interface: Operation not permitted (fxw0, 10.0.0.1:51820, /32)";

        Assert.Equal(text, WireGuardKey.Redact(text));
    }

    [Fact]
    public void Redact_removes_every_secret_of_the_captured_dump()
    {
        var redacted = WireGuardKey.Redact(Fixture.Read("wg-show-all-dump.txt"));

        foreach (var secret in Fixture.NonEmptyLines("private-keys-in-dump.txt"))
            Assert.DoesNotContain(secret[..40], redacted, StringComparison.Ordinal);
        Assert.Contains("fxw0\t(key redacted)\t(key redacted)\t51877\toff", redacted, StringComparison.Ordinal);
    }

    [Fact]
    public void Redact_catches_a_key_glued_to_other_text()
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

        Assert.DoesNotContain(key, WireGuardKey.Redact("private_key=" + key + ";"), StringComparison.Ordinal);
    }
}
