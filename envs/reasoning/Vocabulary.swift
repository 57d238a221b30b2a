/// The vocabulary of word-sorting lists: 2,400 lowercase English words of 3 to 11 letters (a to z
/// only), taken at even intervals from the alphabetical list of Debian's `wamerican` 2020.12.07
/// (SCOWL, size 50; free to use, copy and distribute). Fixed here so that a seed gives the same
/// lists on every machine; changing it changes episodes, so it needs a new environment version.
enum Vocabulary {
    static let words: [String] = """
        aardvark abate abdications abetting ablative abolishing abounds abrogated absented absorbing absurder abuzz
        accelerator accessions accompany accredit accusative ache acidly acquiescent acrimonious activation actuary
        adaptation addictive adenoid adipose adjunct admin admittedly adorable adulated advance adversaries adviser
        aerating affability affirmed afforesting afterbirth against aggravate agism agrarian aiding airdrop airline
        airwaves albatrosses alderwomen alibied alimentary allege alleviates allotting allusive aloof altering alts
        amateur ambiguous ameer amid amoebas amperage amps anachronism analyst anatomists ancientest anesthetic anglers
        animated anklet announce annulments anorexics antechamber anthologist antigen antiques anus apart aphorisms
        apologize appalling appearing appertains applies appraisers approaches aptitude aqueous arboreta archdeacons
        archivist ares arising armholes aromatic array arrowheads arthropod artistic ascension ashcan asks aspics
        assassin assent asseverated assize assumed asthmatics astronomer athlete atria attained attenuated attractive
        audacious auditorium aunt authored automated autumnal avenues aviatrix avowing awe awnings azimuth babushka
        backbiters background backpedaled backstop bacterial bafflement bailing balancing balks balloons balminess band
        bandstand banisters banks baobabs barbarous bard barge barneys barrages barrio baseline basin bassos bathed
        batsmen battleships bayoneting beadier beard beatifies beautifying becomingly bedfellow bedstead beeline befell
        began begrudged behemoths belay believing bells belts benefaction benumbing berm besieged bestiality beta
        betrayer beveling bewitching bickered bids biggie bikinis billies binder biochemists bipedal birding biscuit
        bitch bittersweet blackboard blackmails blaming blare blasts bleaker blemishes blighted blinked blitzed
        blockbuster blood bloomed blouse blubber bluejackets blunderers blush boars bobbing bodes boggle boink bolsters
        bonanza bong boo bookings bookstores boosters booty borders bosoms bothered bought boundless bowels boxen brace
        braid brake brandying braver brazen breakables breasts breeze bribed bridgeheads brigand brimming briskly
        broadcaster brochure bronchial brooking browner bruisers brusqueness buccaneers buckshot budgetary buffoon
        build bulked bulletining bullrings bumming bung bunkum burdening burglars burner burro bush busiest busying
        butterflied buttressed buzzwords byways cablecasts cacophony cadges cagey calabash calculi calif calliope
        calmest camaraderie camisole camphor cancelation candles cannibal canoeist canteens canvass caper capped
        caption caramel carbuncle cards caress carjacker caroling carpals carriageway carting caryatides cashiered
        cassinos castling cataclysms catalysts catcalled catechisms catgut cattail cauliflower cauterizes cavernous
        ceased celebrities celluloid censuses centimes ceramic certifies chafe chair chalks champed chandler chanties
        chapping charily charted chastening chattier cheated checkroom cheerful cheetahs cherubims chiaroscuro chidden
        childhoods chillings chinking chirped chitlings choicer choosier chords christen chrysalises chumming churned
        cigarettes cipher circulated cite civilians clamber clang clarifies classically clause cleanly cleats clergyman
        clicking clinch clip cloaks cloistering closet cloud clowned clueless clustering coagulant coarsens coaxing
        cochleas cockpits codas coding coffeecakes cognition cohort coinciding coliseum colleague colliding colludes
        colonnades colt combination comeliest comically commenced commingling common communists companions compelled
        compiled completer components compotes compulsive concede concert concisest concreted condensing condoning
        confabs confidant confirms confronted congeals conics conjured conned conquests conserve consoled constancy
        construe consuming contd context continuums contrails contrived convalesced conversing convict convulses
        coolant coopering copilot copulate cord corks cornets corollas corpulent correlated corrupter coruscates
        cosmonaut costuming cottonwoods counseling counters couplet courthouse covens coward cowling coyotes cracker
        craftiness crania crappiest craved crayoning creamers creator credulously crematories cretinous cricks crinkled
        crisps croaking crookeder cross crossovers croupiest crucibles crueller crumble crunching cruxes cubed cuddles
        culinary cultivator cunnilingus curable curfews curls curse curtsey cushions customizes cutouts cycles cynosure
        dachas dagger daisy damn damsels dangerously daringly darting dative dawdled daze deadened deafens deathbed
        debars debilities debugs decanter deceived decimal declaimed decodes decoy dedicated deejay deface defecate
        defensed defile deflecting deformity defused dehydration dejection deli delineates dell demagog dementia
        democrats demotes denier denouements dents departures deplaning deporting deprecate depriving derails
        derivations desalinated description deserves desires despatching dessert desultory detective deterrents detours
        devaluation deviation devoid devoutly diabolic dialect diaphanous dicier diction dietary diffidence digging
        digression dillies diminutive dinettes dinners diplomat directive dirties disallowed disassemble disbursed
        disclaimed discommoded discouraged discretion disembodied disgorges disheartens dishwater dislikes dismember
        disordered dispatching displaced disposing disregarded dissects dissipate distaffs distiller distracts disunite
        diuretic diversion divined divulge docilely docudrama doer doggoned dogwood dollops dominance donating
        doohickeys dopes dos doubled doughiest dowdies downhearted downstairs doz draftier drained draperies drays
        drearily dressings drifts drivelling dromedaries dropper drowsier druid dryest duck dueling dulcimers
        dumbwaiters dungarees duped dustbin dwarfed dyer dysfunction earful earnestness earthlings east eaves eclipsed
        ecstasies edibility edits effacing effigy eggs egrets ejaculation elastics electives elegant elevenths elitist
        elopement emaciated embalmers embellish embodies embroiling emerges emission emotive empirically empress
        emulsion encamped encircling encounters end endlessly endure enervation engagingly engrosses enjoyments
        enlivens enrage ensconced ensue entertain enticement entranced entrusting envelop envoy epidermal epithet
        equality equilateral equivocate erections errand eruption escaroles especial essence estimates eternities
        eugenics evacuating evaporated events evicted evincing exacted examining excellence exchequer exclamatory
        excretory execution exercise exhibit exigency exonerating expanding expects expendables expiration explodes
        exponents expressed exquisitely exterminate extorting extreme extrusions eyefuls fabled faceted factions fading
        fainter faithfuls fallibly falsities famous fang farcical farrowed fashioned fatalistic fathoming faucets
        favoritism fearsome feces feeblest feint felon fence ferociously fervency fetal fetus fiat fictional fielders
        fifteenths figurines filings filmmakers finagler finch fingerings finks firefighter firewalls firsts fishtail
        fittest fixity flacks flailed flamers flap flashier flatiron flaunt fleas fleetest flextime flimsier flipper
        floating floorboard floridly floured flowerpot fluffier flunked flurrying fluxes flytraps focuses fogies folk
        fond fooled foothills footsore forbear fore foreclosure foreleg foresaw foreswears forfeited forgiven
        formalized formulas fort fortunately fought fount foxes fractals frags frank fraudulence freebase freelancers
        freewill frequenting fretfulness friendship frilliest frivolous frolicking frostier frowzy fruity fuckers
        fulcrums fulness functionary funked furbishes furors furze fustier fuzzed gable gages gala gallivanted gamble
        gametes ganglion gapes gardenias garners garrisons gaslights gates gauging gawky gazillion geekiest gem
        generating genie gentled genuinely geometer germinates getup ghostwrites giblet giggler gimleted ginning girls
        glaciers glamorized glaring glean glimmers glittery gloomier glossiness glueing glycogen gnu gob godfather
        goggles golfed gonorrhoea goofier gored gossip gourmet grab grades grainiest grandfather granting graphing
        grated gravelly grayer greats greens greyhounds grievously grimy grislier grocers grooviest grouched groupies
        grow grudged grumbles guaranties guerillas guidebooks guineas gulp gunmen guppy gusted guying gyp habits
        hacksaw hail hairline halest hallow halts hampered handcrafts handiwork handset hanged hansom harbinger hardily
        hares harmonicas harps harvesting hastening hateful hauling hawkers hazard headbands headlining headword hearer
        heartening heath heaving hedgerows heftier heisted hellos helpmeet hems heptagons herder herewith herring
        hewers hibernates hidebound highchair highway hilliest hinds hippy histrionic hiving hoaxers hobnobbing hog
        holdouts hollowed homage homeopathy homewrecker homonyms honeydew honorific hoofing hoorah hoping hornier
        horseback horsing hosteler hotcake hound household hovercraft hubby huffy human humble humidifying humorously
        hung huntsman hurried husker huts hydrates hygienist hyperlinks hypnotized iambic icier ideally idiocies
        idolized ignoble illegally illusion imams imitates immerses immolate immured impanel impeaching imperative
        impetigo implausible implosions imposes imprecise imprisoned impudence imputed inanity incantation inch
        incisively included incorrectly incubator incurs indemnity indicator indirectly inducement indulges ineluctable
        inexcusably infatuates infers infinitives inflecting informality infuse ingrates inhaled inhuman initiates
        injuring inlet innovates inpatient ins inseminate insiders insistently inspector instants institution insults
        intangible intending interacted interest interlacing intermezzo interoffice interstate intestate intone
        intrigue intrusted invaders inveigle inverts invitations inwards irately ironmongers irreverent islands issued
        itemizes jabber jacking jaguars jangled jaundices jay jeering jeopardy jet jibbed jigsawn jinnis jobbed
        jodhpurs joints josh journals joyless judges juggling jumble junctures junta jute kaput keen kennelling key
        keystroke kickiest kidnapped kilned kin king kiosk kitsch knacks kneeling knits knot koan kowtows labored
        laciest lacuna ladybird laity lambs lamination lancets landmass languidly lapidary lards laryngitis lassoed
        lateraled latte launch lava lawlessness layers laziest leafiest lean lease leaving leeches leftover legation
        legislated leguminous length leotards lessors leukemia leviathan liability libels libidos lichee lies lifestyle
        lighter likelihoods limbering limitless linage liners liniments lionesses liqueurs liras litany litigants
        livable livestock loadstones loathings locality lockjaw lodestone logbooks logon lollipop longhairs looming
        loosed lops losing lounged lovelies lowish luaus luckily lumbago lumpiest lunged lurking lutes lye lyrics
        machinery macroscopic madrasah magically magnificent maharishis mailer mainsail majoring malcontent malinger
        maltreats manacle mandibles mangled manias manipulated manor mantles mapping marcher marina markedly marmots
        mars martini mascot masons massively mastiff matchmaking matrices mattresses maundered maxim mayor mealtime
        measurable mechanistic medias medieval meetings melancholia melodious memes menacing menopause menu mercurial
        meriting mesdames messily metaphor methadone mewed microbes microwave midpoint midwives migrating miler
        militated milkweeds million mimicries minds minibus miniscules minority minutemen mirthful miscarry misdeal
        misery mishandle misled misprinting missing mistakenly mistrials mitigating moaning mockeries moderately
        modified moguls molded molester momentary monetarily monicker monogram monorail monstrously mooed mooring moral
        mordants morsel mortician mosquitos motherless motley motorize mountaineer mousetrap movable mph muddle
        mufflers mulberries multimedia mumbled mundanes murderous muse musicians mussels mutants mutinies mynahs mythic
        naiads nanny narc narrators nasturtium naturalism nauseous naysayers necessary needful negative negotiates
        neologisms nervier netted neurotics newcomer newsier nibble nicknack niggles nightshade ninepin nipple nix
        nodding noising nonchalant nonmember nonskid noodling northeaster noshed notation notified nourishment nowise
        nudism numberless numerology nursing nuts oaken obediently objecting obligingly obscenities observer obstetrics
        obtuser occlusion ocelots odder offbeats officers offshoots oilcloth okras omelet omnivorous onslaught opaquer
        operatic opossum opprobrium opting orangutan orbits orderly organism orientation ornamental orthography
        ostentation ours outbursts outdoors outgoing outlays outplayed outreaching outsize outstays outwitted overalls
        overcame overdoing overexposed overhead overlay overpasses overreach overseen oversleeps overstuffed overture
        overwritten owls oxygenated pacifies padding pageantry painfullest paisleys pales palliating palpably pampers
        pandering panic pantheistic papal paprika paradises paralysis paraphrase parch parfait parley parquetry parsing
        participial partners passbooks passwords pastor patchwork pathos patricides patronymic pauperism pawls payload
        peacetime pearling pecks pedantry pedigreed peepers pegging penalize pending penitential pension peonies peps
        perceptual perfecting perfumery periodical peritonitis permanent permuting perquisite persona persuades perused
        pessimal petards petroleum pewter pharmacists philanders phloem phonic photocopier physical piazzas picket
        pictograph piecing pigging pike pilfered pilloried pimpernels pines pinkish pints pipped pirouetting pitchfork
        pitons pizzeria placental plaid planetaria planter plated platypus playgoer plea pleasuring plenty plods
        plowing plumage plunder pluralized poached podcasting poi poison polarize poling politicoes pollutant
        polygamists polyphony pompoms pontifical poops popping porches portable portholes ports positivism postage
        postman postulating potentially potted pouncing powerful practised pranks preached preceding precludes
        predicate preempted prefecture preheated premeditate preordained preppiest prescribing preside prestos
        pretension prevailed prevues prickly primal primps printouts pristine privileging probity proclaimed prodded
        profaned profiling progenitor progressive prolog promo promulgated prop properties proposals pros prosiest
        prostitutes protester protracts provided provokes prudishly psyched ptomaine publishes puffball pulchritude
        pulpits pummeled punctuality punishments pupils pureed purists purpose pursuing pushover putrescence puzzling
        pyx quadruplet quake quantities quartering quavers quell questioning quicklime quilted quirk quizzes rabbi
        races racking radiator raffle raggedness raillery rainmakers rallied rampart randomize rankings rape rapture
        rashest ratifies rattier ravaged raviolis razzes readers reaffirm reallocated reappear rearmost reassesses
        rebellious rebukes recaptured recentest recheck reciting recognize recompenses reconvening recoveries
        rectangles recurrences reddens redeploying rednecks redrawing reediest reelects reentering refereed refill
        refits reforest refrains refundable regaining regexps registrar regularity rehashing reimpose reinstating
        rejections relabelling relaxes relents relinquish remade remarried reminisced remorseful remunerate renegaded
        renovation reoccurring repainted repeal repentant replaying reportage represses reproachful reptiles reputable
        requital rescinds resented resettling resigning resolve resourceful respite restaurant restorers resubmits
        resurgent retaliates reticence retorting retreads retroactive retweeted revaluation revellers reveres revile
        revive revolved reworded rhetorical rhyme richly ridden rifer rigamaroles rigor ringers riotous ripples
        ritualistic riveter roadshow roasters robs rode roils romanced rook rooster rosette rotating rouges roundabout
        roustabouts rowboats royalty rube rudely rugged rumba rumor rung rupturing rustler sabotage sacramental saddest
        safeness saguaro saintly salesclerk sallied saltier salvages sampans sanctuary sander sandwiching sapience
        sarcophagi sassier satiety saturates saunter save savvying scabbards scalds scaly scanners scarab scarlet scene
        schemes schmaltzy schooled schussing scofflaw scooters scoring scout scrambling scratching screenplay
        scrimmaged scroll scruff scubaing sculpting scurfy seabird seamen seas seawards seconding sectional sedans
        seduction seeks seethe seized selfishly semaphores semiprivate sensation sensuality separately sepulchers
        serapes sergeants serum servos setup severity sexpots shacks shafted shakier shamed shank shares sharps
        shearing sheepskin shellacked sherbert shiftily shimmied shinned shipwreck shirtsleeve shlock shoehorned
        shooters shore shorter shoulder showboating showmen shrewdest shrine shrubberies shudders shutouts sibilants
        sicknesses sides siding sighing signals silage silk silverfish simple simulcasted singes sinkholes siren sitar
        sixteen skated sketchiest skill skinheads skirting skulls skylarked slackened slammers slaps slaved sled
        sleeping slenderer slicking slime slipcovers slivered slopped slouching slue slumbers slush smalls smatterings
        smidgin smithy smoking smothered smugness snailed snapshot snazziest snide snipped snobbish snored snow snowmen
        snuffbox soaked sobered socialized sodium softwood solariums solemnly solids solvable someplace songwriter
        sooty sorceress sorrowfully soughs soundtracks souse soviet spaceship spam spar sparrows spattering spearheads
        specifiers spectra speedily spelt spheroidal spiffier spinals spinsters spit splashiest spliced splotchiest
        spokesman spoofing spoor sporty spraining sprees sprinted spry spurns squad squaring squeakiest squelches
        squirms stabilize staffed stagnation staking stalled stamps standpoint stardom starring stashes statically
        statute steadies steamers steepest stenciled steppe stern stick stiffening still stingers stippling stockaded
        stodginess stomaching stooges stopping stormier stowing straights strangled stratum streamline stretcher
        stridently stringy strode stropping strutted studding stuffs stunning sturdiness stylize subcompact subjected
        sublimates submersion subprogram subsidies substitutes subtlety subvert succoring sucks sufferings suffused
        suggests sulfured sulphur summary sumo sundaes sunned super supernovae supervise suppliants supposing
        surcharged surfeits surmounted surrealist survivals suspicions swagged swampy swarthy sway sweaty sweetheart
        swept swimsuit swirly swizzled sworn sylphs sympathy synchronous synopses syrup tableaux tabulate tacklers
        taffies tails tale tallyhoed tamp tangibility tanking tapering tardier taros tartars tasteful tattlers
        tautology taxis teal teargasses teatime tee teetering telegraphic telethons temblors temporal tenability
        tenderize tennis tentacle terabytes terms territorial testate tether than theatrical theological thereafter
        thesis thieve thinly thirties thoroughest thrashes threshed thriven throttle thrums thump thyme tickled tidying
        tightness tilt timepiece timpani tinglings tinsels tipsily tiros titmice toastier toddy toil tolerance tomb
        tones tonsures toothpaste topographer torching torpor torture tote touchingly tourmaline towelled tows tracing
        trading trailer trammel tranquilize transferals transistor transmitted transposes trashcan travelings tray
        treasuries treetops trenchantly triads tribute tricycles trilaterals trimness tripped trivial trombone tropics
        trouncing truanted true truncated trustfully tsarina tubing tulle tunas tunny turfing turnkey turtleneck tutus
        tweedy twiddled twinkle twitches type typhoons tyranny ulcerate ultraviolet umpires unannounced unbearably
        unbolt unbuttoned unclasp uncollected uncoupling undefeated undercoated underhanded underpay undershot
        undertone undeveloped undulated unemployed unfairer unfits unfulfilled unhands unholy uniforms unionized
        universes unlatch unlisted unmanlier unnaturally unpaid unprotected unreasoning unrolling unscathed unselfish
        unsnaps unsteadily untainted untiringly unused unwholesome unwrapping updater upholsterer upping upside uptown
        urge usability ushers utilization vacancy vacillation vaguer validated valve vanes vapid variation varsity
        vaulter vegetarians velds veneer ventilated verandahs verdure vernaculars vertically vestry viable viburnum
        victimizing vies vignetting villainy vinyl violists virtues viscounts visor vitiating viviparous vocations
        volatile voluble voracity vowed vulgarities wackiness waffled wagoner wait waldo walleye waltzed wanked warble
        warez warmongers warrens washboards wassail watchdogs watercraft watershed wavelets way weakling wearied
        weathers website weedy weeps weirder welled wends wetland whalers wheedling whelped whets whimsey whippet
        whiskered whitefish whittler wholesaling whorled widening wiener wigwags wilds wills wind windowing windward
        wining winterier wires wished witchery withstood wizened wolfhound womb wont woodiest woodworm wooly workbench
        workmanlike wormhole worship wot wraparound wrecked wretcheder wrinkliest wrongdoers xci xxiii yachts yapped
        yaws yelled yeshivah yips yoke youthful yum zealously zestful zinnias zombies
        """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
}
