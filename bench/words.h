/* Built-in vocabulary of the benchmark corpus generator (bench/gen.c).
 *
 * Every list is a NULL-terminated array of strings of space-separated words,
 * roughly from the most to the least frequent: the generator draws from each
 * list with a Zipf-like law over these ranks. Words are plain ASCII.
 *
 * Nouns:      "sg" (regular plural) or "sg/pl" (irregular plural).
 * Verbs:      "base" or "base/past/participle[/ing]" where the regular rules
 *             (add -s, -ed, -ing; final e dropped; consonant+y -> ies/ied)
 *             would be wrong.
 * A noun ending in '*' is uncountable (no plural, no "a").
 * Multi-word names use '_' for a space ("New_York").
 */
#ifndef BENCH_WORDS_H
#define BENCH_WORDS_H

/* Countable nouns of general news prose. */
static const char *const NOUNS[] = {
	"year government person/people time official day week plan country minister",
	"city report month company family child/children police/police home group state",
	"leader party service area number case member system decision part",
	"school price market deal law vote election policy worker rate council",
	"court job statement change problem question month figure agency office",
	"community project issue talk city week town region economy force",
	"official rule bill budget cost tax investment investor share profit",
	"sale customer business firm bank fund loan debt payment contract",
	"agreement meeting summit visit trip event crowd protest protester strike",
	"union wage salary pension benefit scheme programme plan proposal idea",
	"reform measure step move effort attempt bid offer demand request",
	"warning threat risk danger fear concern hope chance opportunity challenge",
	"result effect impact consequence reason cause factor sign signal trend",
	"increase rise fall drop decline growth gain loss cut boost",
	"survey study analysis/analyses estimate forecast figure data_set record level target",
	"director executive chairman chairwoman spokesman/spokesmen spokeswoman/spokeswomen manager boss founder owner",
	"resident neighbour citizen voter taxpayer consumer driver passenger visitor tourist",
	"student teacher pupil parent mother father son daughter wife husband",
	"woman/women man/men girl boy friend colleague partner rival critic supporter",
	"expert analyst economist scientist researcher doctor nurse patient lawyer judge",
	"officer soldier commander general troop fighter victim survivor witness suspect",
	"hospital clinic university college library museum station airport port bridge",
	"road street building house flat property site village district province",
	"border coast island river lake mountain valley forest field farm",
	"car vehicle bus train plane flight ship boat truck bike",
	"phone device computer network website platform app service product brand",
	"film show series album song book story novel play game",
	"match season team club player coach manager fan goal win",
	"defeat draw title cup final league tournament race championship medal",
	"price bill rent mortgage income spending deficit surplus output export",
	"import supply demand shortage stock shareholder dividend bond currency note",
	"hour minute morning evening night weekend decade century generation age",
	"life death birth health disease virus vaccine drug treatment test",
	"case outbreak symptom infection condition injury illness operation surgery ward",
	"attack bomb blast explosion fire flood storm earthquake drought crash",
	"accident incident crisis/crises conflict war battle ceasefire truce peace_deal sanction",
	"investigation inquiry probe review audit hearing trial verdict sentence appeal",
	"charge arrest raid search seizure fine penalty ban licence permit",
	"right freedom power control authority role duty responsibility task mission",
	"account version view opinion belief claim argument point message letter",
	"document file paper page article headline interview speech comment remark",
	"question answer response reaction criticism complaint allegation accusation denial apology",
	"source detail fact name list line term condition basis standard",
	"model version method approach strategy tactic technique tool machine engine",
	"factory plant mine field well pipeline grid station tower wall",
	"room door window floor roof kitchen garden yard street corner",
	"table chair bed bag box bottle card key map sign",
	"minister secretary deputy spokesman/spokesmen adviser aide envoy ambassador diplomat delegate",
	"president senator governor mayor councillor lawmaker legislator candidate nominee rival",
	"committee commission panel board council assembly parliament congress chamber cabinet",
	"ministry department regulator watchdog body institution organisation charity foundation trust",
	"campaign movement coalition alliance faction wing camp side bloc network",
	"region territory nation republic kingdom empire colony capital suburb estate",
	"church mosque temple school campus shop store restaurant hotel bar",
	"meal dish food water milk bread meat fish crop harvest",
	"animal dog cat horse bird whale tree plant flower seed",
	"tonne litre kilometre mile metre acre hectare degree dollar pound",
	"euro yen cent penny point percentage half third quarter dozen",
	"photograph picture image video clip camera screen channel broadcast programme",
	"stage scene moment period phase round session term episode chapter",
	"sector industry trade market economy recession recovery boom bubble slump",
	"reporter journalist editor correspondent presenter producer writer author artist musician",
	"actor actress singer dancer designer architect engineer farmer fisherman/fishermen miner",
	"employee staff_member worker volunteer activist campaigner organiser leader member official",
	"survey poll ballot referendum constituency seat majority minority margin turnout",
	"flight runway terminal passenger crew pilot delay cancellation route ticket",
	"satellite rocket telescope laboratory experiment sample discovery species fossil planet",
	"battery chip server database algorithm robot drone sensor software update",
	"password account user subscriber viewer listener reader audience follower post",
	"river bank shore beach cliff wave tide current wind temperature",
	"emission pollutant pollution_level carbon_target heatwave wildfire glacier reef habitat reserve",
	"festival exhibition concert performance premiere award prize nomination ceremony gala",
	"injury tackle penalty corner header striker midfielder defender goalkeeper captain",
	"innings wicket batsman bowler over century runner sprinter swimmer cyclist",
	"backlog bottleneck blueprint benchmark threshold milestone deadline timetable schedule framework",
	"mandate ruling judgment injunction warrant subpoena testimony affidavit indictment plea",
	"settlement compensation payout refund rebate grant subsidy allowance bonus premium",
	"surcharge levy duty tariff quota cap ceiling floor margin spread",
	"portfolio asset liability valuation stake holding venture subsidiary division unit",
	"consortium cartel syndicate conglomerate franchise outlet branch chain warehouse depot",
	"courier freight cargo shipment consignment container vessel tanker ferry barge",
	"motorway junction roundabout carriageway bypass tunnel viaduct crossing platform depot",
	"pavement kerb pothole lamppost bollard hedge verge allotment orchard meadow",
	"landslide avalanche mudslide tremor aftershock eruption volcano tsunami cyclone typhoon",
	"hurricane tornado blizzard hailstorm downpour gust lightning thunderstorm fog frost",
	"reservoir aquifer dam canal estuary delta marsh wetland peat moorland",
	"pesticide fertiliser herbicide livestock cattle sheep/sheep poultry dairy orchard vineyard",
	"tractor combine silo barn greenhouse polytunnel irrigation harvester abattoir creamery",
	"miner smelter refinery foundry mill quarry kiln forge workshop assembly_line",
	"semiconductor transistor processor microchip circuit wafer antenna router modem handset",
	"encryption firewall malware ransomware phishing_attack botnet vulnerability patch exploit backdoor",
	"chatbot dataset benchmark prototype simulation interface dashboard browser plugin upgrade",
	"subscription download upload livestream podcast playlist newsletter blog forum thread",
	"headset console controller keyboard touchscreen charger cable adapter speaker microphone",
	"antibiotic antibody vaccine_dose booster inhaler implant pacemaker transplant donor",
	"paramedic surgeon consultant midwife pharmacist therapist physiotherapist dentist optician radiographer",
	"ambulance stretcher wheelchair ventilator incubator scanner syringe bandage plaster splint",
	"tumour lesion fracture concussion stroke seizure infection allergy rash fever",
	"epidemic pandemic quarantine lockdown curfew checkpoint roadblock barricade cordon perimeter",
	"regiment battalion brigade platoon squadron fleet frigate destroyer submarine warship",
	"missile warhead rocket_launcher artillery shell mortar grenade landmine rifle pistol",
	"insurgent guerrilla militant separatist extremist sniper hostage kidnapper smuggler trafficker",
	"refugee asylum_seeker migrant evacuee detainee prisoner inmate captive defector dissident",
	"diplomat attache consul emissary mediator negotiator observer monitor inspector auditor",
	"embassy consulate mission delegation secretariat tribunal chamber registry archive bureau",
	"treaty accord pact charter protocol convention memorandum communique declaration manifesto",
	"amendment clause provision article section paragraph schedule annex appendix footnote",
	"petition referendum plebiscite primary caucus hustings rally canvasser pollster strategist",
	"incumbent challenger frontrunner nominee runner-up newcomer veteran backbencher whip speaker",
	"ombudsman regulator inspectorate watchdog quango trustee governor steward custodian curator",
	"archaeologist historian biologist chemist physicist geologist astronomer botanist zoologist ecologist",
	"mathematician statistician epidemiologist virologist neuroscientist psychologist sociologist anthropologist linguist philosopher",
	"manuscript inscription artefact relic skeleton skull tomb burial_site excavation mosaic",
	"comet asteroid meteorite nebula supernova quasar exoplanet lander rover probe",
	"molecule protein enzyme hormone neuron genome mutation chromosome bacterium/bacteria microbe",
	"sculpture painting portrait mural installation tapestry ceramic photograph sketch engraving",
	"orchestra choir quartet ensemble conductor composer soloist pianist violinist drummer",
	"sitcom drama documentary thriller comedy musical opera ballet pantomime sequel",
	"bestseller memoir biography anthology paperback hardback publisher bookshop bookseller poet",
	"playwright screenwriter novelist illustrator cartoonist photographer broadcaster commentator columnist critic",
	"stadium arena pitch track velodrome racecourse circuit paddock pavilion clubhouse",
	"fixture semi-final quarter-final play-off relegation promotion derby rematch friendly qualifier",
	"sprint marathon relay hurdle triathlon regatta grand_prix time_trial heat lap",
	"jockey trainer referee umpire linesman physio scout agent chairman sponsor",
	"landlord tenant lodger homeowner leaseholder freeholder developer builder surveyor estate_agent",
	"cottage bungalow terrace tower_block apartment mansion farmhouse caravan hostel shelter",
	"loft basement cellar attic porch driveway garage shed conservatory extension",
	"bakery butcher grocer pharmacy launderette cafe pub takeaway kiosk stall",
	"chef waiter barista cleaner porter caretaker security_guard receptionist cashier courier",
	"pensioner commuter shopper motorist cyclist pedestrian hiker angler birdwatcher holidaymaker",
	"schoolchild/schoolchildren toddler teenager graduate apprentice trainee intern undergraduate postgraduate scholar",
	"headteacher governor lecturer tutor principal dean chancellor registrar examiner inspector",
	"curriculum syllabus exam qualification diploma degree scholarship bursary tuition_fee admission",
	"mortgage_rate interest_rate exchange_rate bond_yield stock_market share_price oil_price gas_price house_price pay_rise",
	"shortfall windfall overspend underspend write-off bailout buyout takeover_bid flotation rights_issue",
	"chancellor treasury comptroller accountant actuary underwriter broker trader banker financier",
	"entrepreneur tycoon billionaire shareholder stakeholder creditor debtor borrower lender saver",
	"whistleblower informant insider leaker hacker scammer fraudster forger counterfeiter looter",
	"burglary robbery mugging assault stabbing shooting arson vandalism theft fraud_case",
	"magistrate coroner prosecutor barrister solicitor juror bailiff clerk defendant plaintiff",
	"sentence conviction acquittal retrial adjournment remand bail parole probation custody",
	"village_hall parish_council town_hall high_street market_square bus_shelter car_park playground skate_park cemetery",
	"lighthouse harbour_wall pier jetty marina slipway lifeboat coastguard trawler dinghy",
	"wind_farm solar_farm turbine substation pylon battery_plant heat_pump boiler insulation meter",
	"emission_target net_zero_pledge carbon_tax offset credit permit allowance quota levy cap",
	"glacier ice_sheet permafrost tundra savanna rainforest mangrove coral_reef seabed trench",
	"otter badger hedgehog fox deer/deer squirrel beaver seal dolphin salmon",
	"eagle falcon owl heron swallow puffin albatross penguin bee butterfly",
	NULL
};

/* Uncountable nouns: no plural, no "a". */
static const char *const MASS[] = {
	"money support funding evidence information research help advice news",
	"progress growth inflation unemployment pressure security safety violence crime damage",
	"health care education training housing transport traffic energy power electricity",
	"oil gas coal fuel water food land weather rain snow",
	"software data equipment infrastructure technology intelligence access knowledge experience",
	"trade business tourism investment spending revenue income debt interest capital",
	"pollution climate_change waste plastic rubbish air ice heat smoke dust",
	"confidence uncertainty anger frustration opposition criticism concern interest attention justice",
	"corruption fraud abuse misconduct negligence disruption chaos confusion panic relief",
	NULL
};

/* Nouns that belong to one desk; an article draws its key terms from its desk. */
static const char *const DESK_NOUNS[][12] = {
	/* politics */
	{"election vote poll ballot candidate campaign party leader minister parliament",
	 "coalition opposition majority seat constituency manifesto referendum debate motion speech",
	 "cabinet reshuffle budget tax policy reform bill amendment committee hearing",
	 "scandal resignation inquiry donor lobbyist governor senator mayor councillor lawmaker", NULL},
	/* business */
	{"company profit revenue share investor market bank loan rate inflation*",
	 "merger takeover acquisition deal chief_executive shareholder dividend earnings* quarter forecast",
	 "retailer supermarket carmaker airline lender insurer startup factory supplier customer",
	 "price sale export import tariff currency bond stock index recession", NULL},
	/* world */
	{"war ceasefire troop army border refugee aid* embassy diplomat sanction",
	 "talk summit treaty president regime rebel militia attack strike offensive",
	 "capital province region crisis negotiation envoy delegation resolution vote alliance",
	 "protest crackdown election coup government minister official agency mission convoy", NULL},
	/* sport */
	{"match game season team club player coach manager fan goal",
	 "win defeat draw title cup final league tournament race championship",
	 "striker midfielder defender goalkeeper captain injury penalty transfer contract stadium",
	 "medal record athlete sprint lap round set innings wicket squad", NULL},
	/* technology */
	{"company app platform user phone device chip software* update network",
	 "data* privacy* regulator algorithm model robot drone satellite startup founder",
	 "server cloud account password breach hacker attack security* feature service",
	 "screen battery camera sensor launch product version engineer developer code*", NULL},
	/* health */
	{"patient hospital doctor nurse health_service treatment drug vaccine virus case",
	 "disease cancer trial study researcher symptom infection outbreak ward waiting_list",
	 "clinic surgery operation diagnosis screening therapy medicine prescription dose death",
	 "care_home carer mental_health* obesity* diet exercise* smoking* alcohol* funding* staff*", NULL},
	/* science */
	{"scientist researcher study experiment laboratory discovery species fossil planet star",
	 "telescope satellite mission rocket moon orbit galaxy particle gene cell",
	 "climate* temperature ocean ice glacier sample data* model theory journal",
	 "university team professor evidence* result finding analysis survey measurement instrument", NULL},
	/* culture */
	{"film show series album song book novel play festival award",
	 "artist actor actress singer director writer author musician band audience",
	 "exhibition gallery museum concert tour premiere performance stage theatre cinema",
	 "critic review ticket fan star role character episode season streaming_service", NULL},
	/* environment */
	{"emission climate* carbon* energy* wind solar coal* gas* power_station target",
	 "flood drought storm heatwave wildfire temperature rainfall* river coast sea",
	 "species habitat forest wildlife* reserve farm farmer crop water* pollution*",
	 "plastic waste* recycling* campaign activist protest regulator policy pledge summit", NULL},
	/* local */
	{"council councillor resident neighbour street road school library park plan",
	 "planning_application housing_estate development shop bus_route parking bridge flood harbour",
	 "police/police officer crime burglary court magistrate fine charity volunteer appeal",
	 "hospital ward surgery market festival fire crew ambulance station village", NULL},
};

static const char *const DESKS[] = {
	"politics", "business", "world", "sport", "technology",
	"health", "science", "culture", "environment", "local",
};
static const char *const DESK_TITLES[] = {
	"Politics Desk", "Business Desk", "World Desk", "Sports Desk", "Technology Desk",
	"Health Desk", "Science Desk", "Culture Desk", "Environment Desk", "Local News Desk",
};
/* Relative frequency of each desk, in the order above. */
static const int DESK_WEIGHT[] = { 18, 16, 17, 14, 9, 7, 5, 6, 4, 8 };

/* Transitive verbs. */
static const char *const VERBS[] = {
	"say/said/said make/made/made take/took/taken give/gave/given approve announce reject back",
	"support oppose launch unveil propose plan/planned/planned/planning introduce review consider",
	"block delay halt stop/stopped/stopped/stopping end begin/began/begun/beginning open close/closed/closed",
	"win/won/won/winning lose/lost/lost beat/beat/beaten hold/held/held keep/kept/kept lead/led/led meet/met/met",
	"build/built/built sell/sold/sold buy/bought/bought pay/paid/paid spend/spent/spent raise reduce cut/cut/cut/cutting",
	"increase double triple boost lift lower freeze/froze/frozen ease extend expand",
	"receive accept sign negotiate agree/agreed/agreed reach secure win_back/won/won/winning finalise complete",
	"investigate examine question interview charge arrest detain release free/freed/freed",
	"accuse blame criticise condemn praise welcome defend protect save rescue",
	"kill injure hit/hit/hit/hitting damage destroy flood burn/burned/burned threaten attack",
	"warn urge ask tell/told/told inform remind advise order force allow",
	"report reveal show/showed/shown find/found/found discover confirm deny admit/admitted/admitted/admitting claim",
	"describe explain outline detail publish release issue share post leak",
	"appoint elect name hire/hired/hired recruit promote sack fire/fired/fired replace suspend",
	"fund finance invest back sponsor subsidise tax/taxed/taxed charge bill price",
	"produce manufacture develop design test/tested/tested trial deliver supply provide offer",
	"run/ran/run/running manage operate control/controlled/controlled/controlling own run_down/ran/run/running shut/shut/shut/shutting restore repair",
	"affect hit/hit/hit/hitting disrupt delay cancel/cancelled/cancelled/cancelling postpone divert ground strand evacuate",
	"treat diagnose vaccinate screen monitor track/tracked/tracked measure record count",
	"study/studied/studied analyse model/modelled/modelled/modelling map/mapped/mapped survey observe detect identify sequence",
	"perform stage host/hosted/hosted screen broadcast/broadcast/broadcast stream film/filmed/filmed record direct star/starred/starred/starring",
	"score sign transfer/transferred/transferred/transferring drop/dropped/dropped select field coach train beat/beat/beaten defeat",
	"challenge appeal overturn uphold quash sentence jail fine convict acquit/acquitted/acquitted/acquitting",
	"ban/banned/banned/banning restrict regulate limit/limited/limited cap/capped/capped/capping lift/lifted/lifted scrap/scrapped/scrapped/scrapping abolish relax tighten",
	"protect preserve conserve clean pollute plant/planted/planted harvest grow/grew/grown water/watered/watered drain",
	"visit tour inspect attend address join/joined/joined leave/left/left enter quit/quit/quit/quitting",
	"discuss debate vote_on pass/passed/passed amend table/tabled/tabled scrutinise veto/vetoed/vetoed endorse ratify",
	"mark celebrate commemorate honour remember mourn/mourned/mourned recognise reward award",
	"overhaul streamline consolidate restructure diversify modernise digitise automate outsource privatise",
	"nationalise deregulate liberalise centralise devolve delegate transfer/transferred/transferred/transferring reallocate redirect redeploy",
	"scrutinise probe/probed/probed audit vet/vetted/vetted verify/verified/verified authenticate certify/certified/certified accredit license inspect",
	"dismantle demolish bulldoze refurbish renovate retrofit/retrofitted/retrofitted/retrofitting upgrade replace reinforce strengthen",
	"undermine weaken erode jeopardise endanger compromise destabilise derail thwart/thwarted/thwarted sabotage",
	"bolster shore_up prop_up/propped/propped/propping underpin/underpinned/underpinned/underpinning safeguard shield insulate cushion offset/offset/offset/offsetting mitigate",
	"negotiate broker mediate arbitrate reconcile resolve settle/settled/settled defuse de-escalate ease",
	"condemn denounce deplore decry rebuke reprimand censure chastise lambast/lambasted/lambasted slam/slammed/slammed/slamming",
	"applaud hail commend salute endorse champion embrace welcome acclaim celebrate",
	"unearth uncover expose reveal disclose divulge leak publicise flag/flagged/flagged/flagging highlight",
	"forecast/forecast/forecast predict project estimate calculate quantify gauge assess evaluate rank",
	"allocate earmark ringfence budget fund bankroll underwrite guarantee insure/insured/insured reimburse",
	"evict displace relocate resettle rehouse shelter accommodate house host/hosted/hosted welcome",
	"prosecute indict/indicted/indicted extradite deport expel/expelled/expelled/expelling banish exile detain imprison jail",
	"patrol/patrolled/patrolled/patrolling guard escort intercept/intercepted/intercepted seize confiscate impound raid storm/stormed/stormed besiege",
	"bombard shell/shelled/shelled strike/struck/struck target/targeted/targeted ambush overrun/overran/overrun recapture liberate occupy/occupied/occupied annex",
	"excavate unearth catalogue classify document digitise archive preserve restore conserve",
	"synthesise isolate replicate sequence engineer clone calibrate simulate extrapolate/extrapolated/extrapolated measure",
	"compose choreograph curate exhibit premiere adapt narrate illustrate edit/edited/edited translate",
	"outscore outplay outrun/outran/outrun overtake/overtook/overtaken edge/edged/edged thrash hammer/hammered/hammered rout/routed/routed stun/stunned/stunned/stunning topple",
	"relegate promote/promoted/promoted loan sign_up release/released/released axe/axed/axed bench/benched/benched recall rest injure",
	"irrigate fertilise spray/sprayed/sprayed graze cultivate till/tilled/tilled sow/sowed/sown reap/reaped/reaped stockpile ration",
	"emit/emitted/emitted discharge leak spill/spilled/spilled contaminate poison/poisoned/poisoned dredge drill/drilled/drilled frack extract",
	"subsidise incentivise penalise tax/taxed/taxed levy/levied/levied exempt rebate waive refund compensate",
	NULL
};

/* Intransitive verbs, used with a subject and an adverbial. */
static const char *const IVERBS[] = {
	"rise/rose/risen fall/fell/fallen grow/grew/grown shrink/shrank/shrunk climb drop/dropped/dropped/dropping",
	"happen occur/occurred/occurred/occurring arrive depart fail/failed/failed succeed collapse resign retire die/died/died/dying",
	"speak/spoke/spoken respond react testify/testified/testified campaign protest march/marched/marched strike/struck/struck gather",
	"recover improve worsen slow/slowed/slowed stall rebound surge plunge slump soar/soared/soared",
	"vote/voted/voted compete/competed/competed qualify/qualified/qualified advance retire withdraw/withdrew/withdrawn",
	NULL
};

static const char *const ADJS[] = {
	"new last first other former local national public major big",
	"small large long high low early late final key main",
	"political economic social financial military international foreign global regional federal",
	"senior junior chief top leading young old recent current previous",
	"full free clear strong weak real serious significant important possible",
	"likely unlikely difficult hard easy open private special similar different",
	"annual monthly weekly daily quarterly average total overall further extra",
	"rural urban northern southern eastern western central coastal remote nearby",
	"legal illegal official unofficial independent joint separate single double rare",
	"popular controversial unpopular successful failed modest dramatic sharp steep slight",
	"huge massive tiny vast broad narrow deep shallow heavy light",
	"rapid slow sudden gradual steady stable volatile fragile robust resilient",
	"critical crucial vital essential urgent immediate temporary permanent long-term short-term",
	"medical scientific technical digital online environmental cultural educational industrial commercial",
	"historic ancient modern traditional contemporary classic famous unknown anonymous personal",
	"violent peaceful armed deadly fatal safe dangerous risky secure vulnerable",
	"rich poor wealthy affordable expensive cheap costly lucrative profitable unprofitable",
	"green renewable clean dirty toxic polluted protected endangered native invasive",
	"angry furious delighted disappointed concerned worried confident optimistic cautious sceptical",
	"detailed brief lengthy comprehensive partial preliminary provisional formal informal fresh",
	"domestic overseas cross-border nationwide citywide statewide multinational bilateral unilateral multilateral",
	"conservative liberal progressive radical moderate centrist populist nationalist socialist democratic",
	"surprising shocking disturbing alarming encouraging impressive remarkable unprecedented extraordinary ordinary",
	"busy quiet crowded empty packed derelict vacant abandoned neglected restored",
	"bureaucratic administrative procedural constitutional judicial legislative parliamentary ministerial presidential electoral",
	"fiscal monetary budgetary inflationary deflationary speculative structural cyclical seasonal sectoral",
	"logistical operational strategic tactical diplomatic humanitarian geopolitical territorial maritime aerial",
	"agricultural rural pastoral arable coastal upland lowland inland offshore onshore",
	"pharmaceutical clinical surgical diagnostic therapeutic psychiatric neurological cardiac respiratory chronic",
	"infectious contagious viral bacterial genetic hereditary congenital acute terminal benign",
	"archaeological geological astronomical biological chemical physical mathematical statistical empirical theoretical",
	"artistic literary musical theatrical cinematic architectural photographic editorial curatorial choreographic",
	"athletic sporting competitive unbeaten undefeated relegated promoted injured suspended victorious",
	"residential commercial municipal suburban metropolitan provincial parochial communal neighbourly derelict",
	"affordable subsidised overcrowded cramped damp draughty mouldy dilapidated listed refurbished",
	"digital virtual automated algorithmic encrypted wireless mobile cloud-based open-source proprietary",
	"sustainable biodegradable recyclable carbon-neutral low-carbon fossil-fuel hydroelectric geothermal nuclear solar-powered",
	"catastrophic devastating crippling debilitating punishing gruelling exhausting relentless unrelenting persistent",
	"bitter fierce heated acrimonious tense cordial constructive frank candid amicable",
	"bold ambitious cautious prudent reckless hasty belated overdue timely premature",
	"opaque transparent accountable unaccountable credible implausible dubious spurious misleading inaccurate",
	"lucrative loss-making debt-laden cash-strapped struggling thriving booming ailing bankrupt insolvent",
	"elderly vulnerable disabled homeless unemployed low-paid overworked underpaid understaffed overstretched",
	"landmark pivotal watershed historic symbolic ceremonial honorary commemorative inaugural valedictory",
	"fledgling nascent emerging mature established seasoned veteran rookie novice experienced",
	"disputed contested controversial divisive polarising unifying bipartisan cross-party all-party backbench",
	"provisional interim caretaker acting outgoing incoming newly-elected re-elected deposed exiled",
	"mountainous arid fertile barren swampy frozen tropical temperate humid windswept",
	NULL
};

static const char *const ADVS[] = {
	"also now still already just only even again later soon",
	"however recently currently previously nearly almost about around roughly largely",
	"quickly slowly sharply steadily gradually suddenly finally eventually initially formally",
	"publicly privately openly jointly widely strongly firmly heavily deeply fully",
	"repeatedly frequently rarely often increasingly significantly slightly narrowly broadly partly",
	"reportedly allegedly apparently reluctantly belatedly abruptly unexpectedly unanimously overwhelmingly narrowly",
	"temporarily permanently indefinitely provisionally retrospectively simultaneously separately collectively individually personally",
	NULL
};

/* Given names; the generator picks a gender from the half of the list. */
static const char *const FIRST_F[] = {
	"Sarah Emma Anna Maria Laura Rachel Helen Claire Fatima Aisha",
	"Sofia Elena Olga Yuki Mei Priya Ananya Zainab Amina Grace",
	"Julia Katarzyna Ingrid Astrid Freya Chloe Lucy Hannah Megan Sophie",
	"Catherine Margaret Elizabeth Victoria Charlotte Isabel Carmen Lucia Rosa Ines",
	"Leila Noor Yasmin Samira Mariam Hana Min-ji Ji-woo Nadia Irina",
	"Tatiana Svetlana Natalia Oksana Daria Agnieszka Zofia Marta Eva Petra",
	"Aoife Siobhan Niamh Ciara Roisin Bronwen Carys Eilidh Morag Kirsty",
	"Amara Chiamaka Ngozi Adaeze Wanjiru Akosua Thandiwe Zanele Nomvula Ayodele",
	"Deborah Susan Karen Linda Patricia Jennifer Michelle Nicole Amanda Stephanie",
	"Ayesha Shreya Kavya Divya Pooja Lakshmi Deepa Neha Sunita Meera",
	NULL
};
static const char *const FIRST_M[] = {
	"John David James Michael Peter Paul Mark Thomas Daniel Andrew",
	"Mohammed Ahmed Ali Omar Hassan Yusuf Ibrahim Karim Tariq Bilal",
	"Carlos Miguel Jose Luis Juan Pablo Diego Marco Luca Giovanni",
	"Hans Klaus Stefan Lars Erik Anders Nils Jan Piotr Tomasz",
	"Ivan Dmitri Sergei Alexei Andriy Oleksandr Mykola Viktor Pavel Igor",
	"Hiroshi Kenji Takeshi Wei Jun Li Ming Chen Raj Arjun",
	"Vikram Rahul Sanjay Amit Ravi Kwame Kofi Chinedu Oluwaseun Tendai",
	"Sean Ciaran Liam Connor Rhys Gareth Dylan Owen Callum Hamish",
	"Robert William Richard Charles Joseph Christopher Matthew Anthony Steven Kevin",
	"George Edward Henry Oliver Harry Jack Samuel Benjamin Nathan Simon",
	NULL
};
static const char *const SURNAMES[] = {
	"Smith Jones Williams Brown Taylor Davies Evans Wilson Thomas Johnson",
	"Roberts Walker Wright Robinson Thompson White Hughes Edwards Green Hall",
	"Wood Harris Lewis Martin Jackson Clarke Clark Turner Hill Scott",
	"Cooper Morris Ward Moore King Watson Baker Harrison Morgan Patel",
	"Young Allen Mitchell James Anderson Phillips Lee Bell Parker Davis",
	"Kowalski Nowak Wisniewski Lewandowski Kaminski Zielinski Szymanski Wozniak Dabrowski Kozlowski",
	"Muller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann",
	"Garcia Rodriguez Martinez Hernandez Lopez Gonzalez Perez Sanchez Ramirez Torres",
	"Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco",
	"Dubois Durand Leroy Moreau Simon Laurent Lefebvre Michel Fournier Girard",
	"Ivanov Petrov Sidorov Smirnov Kuznetsov Popov Volkov Sokolov Lebedev Kozlov",
	"Shevchenko Kovalenko Bondarenko Tkachenko Kravchenko Oliynyk Melnyk Boyko Rudenko Savchenko",
	"Khan Ahmed Hussain Rahman Malik Iqbal Hassan Ali Chaudhry Qureshi",
	"Sharma Singh Gupta Kumar Mehta Reddy Nair Iyer Rao Desai",
	"Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou",
	"Tanaka Suzuki Takahashi Watanabe Ito Yamamoto Nakamura Kobayashi Kato Yoshida",
	"Kim Park Choi Jung Kang Cho Yoon Jang Lim Han",
	"Okafor Adeyemi Mensah Osei Boateng Mwangi Otieno Kamau Dlamini Nkosi",
	"O'Brien Murphy Kelly O'Sullivan Walsh McCarthy Byrne Ryan O'Connor Doyle",
	"MacDonald Campbell Stewart Robertson Reid Murray Ross Paterson Fraser Henderson",
	"Nielsen Jensen Hansen Andersen Larsen Johansson Karlsson Nilsson Eriksson Lindqvist",
	"Haddad Khoury Nasser Mansour Saleh Aziz Farouk Darwish Abbas Hamdan",
	"Santos Oliveira Silva Pereira Costa Ferreira Almeida Carvalho Gomes Ribeiro",
	"Novak Horvat Kovac Babic Petrovic Jovanovic Nikolic Popescu Ionescu Stoica",
	NULL
};

/* Cities and places with a bureau; '_' is a space. */
static const char *const CITIES[] = {
	"London Washington Paris Berlin Brussels Moscow Beijing Tokyo Delhi Kyiv",
	"New_York Los_Angeles Chicago Toronto Sydney Melbourne Johannesburg Nairobi Lagos Cairo",
	"Istanbul Ankara Tehran Baghdad Damascus Beirut Jerusalem Riyadh Dubai Doha",
	"Madrid Rome Milan Vienna Warsaw Prague Budapest Bucharest Athens Lisbon",
	"Stockholm Oslo Copenhagen Helsinki Dublin Edinburgh Cardiff Belfast Manchester Birmingham",
	"Glasgow Leeds Liverpool Bristol Sheffield Newcastle Nottingham Leicester Southampton Plymouth",
	"Mumbai Kolkata Chennai Bangalore Karachi Lahore Islamabad Dhaka Kabul Colombo",
	"Seoul Shanghai Hong_Kong Taipei Singapore Bangkok Jakarta Manila Hanoi Kuala_Lumpur",
	"Mexico_City Bogota Lima Santiago Buenos_Aires Sao_Paulo Recife Caracas Havana Quito",
	"Geneva Zurich Frankfurt Hamburg Munich Amsterdam Rotterdam Antwerp Lyon Marseille",
	"Wrenmouth Ashbury Kelford Hollin_Bay Marrowfield Stanbridge Oakhurst Penwarden Redcastle Thornby",
	NULL
};
static const char *const COUNTRIES[] = {
	"Britain France Germany Russia China India Japan Ukraine Poland Italy",
	"Spain Turkey Iran Iraq Syria Israel Egypt Nigeria Kenya Ethiopia",
	"Brazil Mexico Canada Australia Argentina Chile Colombia Venezuela Peru Cuba",
	"Pakistan Afghanistan Bangladesh Indonesia Vietnam Thailand Malaysia Philippines Taiwan Korea",
	"Sweden Norway Denmark Finland Ireland Scotland Wales Netherlands Belgium Austria",
	"Greece Portugal Hungary Romania Bulgaria Serbia Croatia Georgia Armenia Kazakhstan",
	"Sudan Somalia Libya Tunisia Morocco Algeria Ghana Senegal Uganda Tanzania",
	NULL
};
static const char *const WEEKDAYS[] = {
	"Monday Tuesday Wednesday Thursday Friday Saturday Sunday", NULL
};
static const char *const MONTHS[] = {
	"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December",
};

/* Organisation patterns: a name part and a kind. */
static const char *const ORG_KINDS[] = {
	"Council Ministry Commission Authority Agency Institute Foundation Trust Group Bank",
	"Party Union Federation Association Society Board Office Service Corporation Holdings",
	"University Hospital Museum Observatory Laboratory Centre Forum Alliance Network Partnership",
	NULL
};
static const char *const ORG_NAMES[] = {
	"National Royal Federal Central Northern Southern Eastern Western United Independent",
	"Atlas Meridian Harbour Crown Summit Pioneer Beacon Horizon Keystone Northgate",
	"Sterling Granite Cobalt Silverline Redwood Bluewater Ironbridge Clearwater Highfield Lakeside",
	"Allied General Continental Pacific Atlantic Global Premier Standard Consolidated Integrated",
	NULL
};
static const char *const ORG_FIELDS[] = {
	"Health Energy Transport Education Finance Defence Justice Agriculture Housing Trade",
	"Environment Culture Science Technology Labour Water Fisheries Tourism Industry Communications",
	NULL
};
static const char *const OUTLETS[] = {
	"the_Wrenmouth_Courier the_Evening_Standard the_Daily_Ledger the_Morning_Post the_Northern_Echo",
	"Radio_Kelford the_Harbour_Times the_City_Gazette the_National_Herald the_Weekly_Observer",
	"the_Sunday_Chronicle the_Valley_Mercury Channel_Six the_Midland_Tribune the_Coastal_Advertiser",
	"the_Financial_Review the_Daily_Despatch the_Border_Telegraph Metro_Radio the_Evening_Argus",
	NULL
};

/* Roles for people, used as "the ROLE of ORG" and as titles. */
static const char *const ROLES[] = {
	"chief_executive spokesman director head chair minister secretary president leader founder",
	"chief_economist senior_analyst professor researcher lead_author deputy_director head_coach manager captain",
	"general_secretary press_officer campaign_manager chief_constable chief_inspector commissioner governor mayor council_leader treasurer",
	NULL
};

/* Prepositions and linking phrases. */
static const char *const PREPS[] = {
	"in for on at from with over after before across",
	"against despite during under within without amid towards near beyond",
	NULL
};

#endif
