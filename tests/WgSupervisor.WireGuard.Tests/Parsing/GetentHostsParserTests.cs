using WgSupervisor.WireGuard.Parsing;
using Xunit;

namespace WgSupervisor.WireGuard.Tests.Parsing;

public sealed class GetentHostsParserTests
{
    [Fact]
    public void Each_address_is_kept_once_in_the_resolvers_order_whatever_its_socket_types()
    {
        const string output = """
            10.250.1.3      STREAM site1.wabc.lab
            10.250.1.3      DGRAM  
            10.250.1.3      RAW    
            fd00::3         STREAM 
            fd00::3         DGRAM  
            10.250.1.2      STREAM 
            """;

        Assert.Equal(["10.250.1.3", "fd00::3", "10.250.1.2"], GetentHostsParser.ParseAddresses(output));
    }

    [Fact]
    public void Blank_output_and_lines_that_are_not_addresses_give_no_address()
    {
        Assert.Empty(GetentHostsParser.ParseAddresses(""));
        Assert.Empty(GetentHostsParser.ParseAddresses("\n  \nsite1.wabc.lab STREAM\ngetent: something odd\n"));
    }

    [Fact]
    public void Addresses_are_written_the_canonical_way_so_that_equal_addresses_are_one()
    {
        Assert.Equal(["fd00::3"], GetentHostsParser.ParseAddresses("fd00:0:0::3 STREAM a\nfd00::3 DGRAM\r\n"));
    }
}
