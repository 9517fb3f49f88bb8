using WgSupervisor.Cli.Rendering;

namespace WgSupervisor.Cli.Tests;

public sealed class HumanTests
{
    [Theory]
    [InlineData(null, "never")]
    [InlineData(0.0, "0 s")]
    [InlineData(12.9, "12 s")]
    [InlineData(59.99, "59 s")]
    [InlineData(60.0, "1 min")]
    [InlineData(200.0, "3 min")]
    [InlineData(3599.0, "59 min")]
    [InlineData(7200.0, "2 h")]
    [InlineData(86_400.0 * 3, "3 d")]
    [InlineData(-5.0, "0 s")]
    public void Ages_read_in_their_largest_unit(double? seconds, string expected) => Assert.Equal(expected, Human.Age(seconds));

    [Theory]
    [InlineData(0L, "0 B")]
    [InlineData(1023L, "1023 B")]
    [InlineData(1536L, "1.5 KiB")]
    [InlineData(5L * 1024 * 1024 * 1024, "5.0 GiB")]
    public void Bytes_use_binary_units(long bytes, string expected) => Assert.Equal(expected, Human.Bytes(bytes));

    [Fact]
    public void Times_are_UTC() =>
        Assert.Equal("2026-11-25 09:00:03Z", Human.Time(new DateTimeOffset(2026, 11, 25, 10, 0, 3, TimeSpan.FromHours(1))));
}
