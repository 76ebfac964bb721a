#error "bgp/ is the BGP core: it must not include gRPC (see STYLE.md)"
