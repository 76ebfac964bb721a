#error "bgp/ is the BGP core: it must not include protobuf-c (see docs/STYLE.md)"
