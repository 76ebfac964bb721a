#error "bgp/ is the BGP core: it must not include gRPC (see docs/STYLE.md)"
